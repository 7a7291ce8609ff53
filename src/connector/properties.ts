import { joinPointer } from "../spec/pointer.ts";
import { entriesOf, isObject, itemsOf } from "./json.ts";

/** The connection parameters and policy instances of apiProperties, tolerant, with their pointers. */

/** The `connectionParameters` of apiProperties and those of every `connectionParameterSets` value, with pointers. */
export function connectionParametersOf(properties: unknown): { name: string; pointer: string; parameter: unknown }[] {
  const props = isObject(properties) ? properties.properties : undefined;
  if (!isObject(props)) return [];
  const found = entriesOf(props.connectionParameters).map(([name, parameter]) => ({
    name,
    pointer: joinPointer("/properties/connectionParameters", name),
    parameter,
  }));
  const sets = isObject(props.connectionParameterSets) ? props.connectionParameterSets.values : undefined;
  itemsOf(sets).forEach((set, i) => {
    const setParameters = isObject(set) ? set.parameters : undefined;
    for (const [name, parameter] of entriesOf(setParameters)) {
      found.push({ name, pointer: joinPointer("/properties/connectionParameterSets/values", i, "parameters", name), parameter });
    }
  });
  return found;
}

/** The `policyTemplateInstances` of apiProperties, with pointers. */
export function policyInstancesOf(properties: unknown): { pointer: string; instance: unknown }[] {
  const props = isObject(properties) ? properties.properties : undefined;
  const list = isObject(props) ? props.policyTemplateInstances : undefined;
  return itemsOf(list).map((instance, i) => ({ pointer: joinPointer("/properties/policyTemplateInstances", i), instance }));
}

