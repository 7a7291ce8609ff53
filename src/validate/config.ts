/**
 * Severity overrides: `.fno-validate.yaml` in the connector folder, then `--rule id=level` on the command line
 * (the later wins), as Spectral rulesets and Redocly's `redocly.yaml` allow. `off` turns a rule off.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import ajvModule from "ajv";
import { loadSpec, SpecLoadError } from "../spec/load.ts";
import type { Severity } from "./finding.ts";
import type { Rule } from "./rule.ts";

// CommonJS under NodeNext: the ES default import is `module.exports`, whose `default` is the class.
const Ajv = ajvModule.default;

export const configFileName = ".fno-validate.yaml";

export const ruleLevels = ["off", "warning", "error"] as const;
export type RuleLevel = (typeof ruleLevels)[number];
export type RuleLevels = Record<string, RuleLevel>;

/** The JSON Schema a config file is checked against; rule ids are the validator's own. */
export function configSchema(rules: readonly Rule[]): object {
  return {
    type: "object",
    additionalProperties: false,
    properties: {
      rules: {
        type: "object",
        propertyNames: { enum: rules.map((r) => r.id) },
        additionalProperties: { enum: [...ruleLevels] },
      },
    },
  };
}

/**
 * The overrides in `dir`'s config file, or none when it has none. A file that cannot be read, or that names an
 * unknown rule or level, is a SpecLoadError naming the file, line and what is wrong.
 */
export function readConfig(dir: string, rules: readonly Rule[]): { file: string | undefined; levels: RuleLevels } {
  const file = path.join(dir, configFileName);
  if (!existsSync(file)) return { file: undefined, levels: {} };
  const loaded = loadSpec(file);
  const value = loaded.value ?? {};
  const validate = new Ajv({ allErrors: true }).compile(configSchema(rules));
  if (!validate(value)) {
    // A bad rule id gives an `enum` error on the rules object and a `propertyNames` error that names the key: report the latter.
    const errors = validate.errors ?? [];
    const error = errors.find((e) => e.keyword === "propertyNames") ?? errors[0]!;
    const key = (error.params as { propertyName?: string; additionalProperty?: string }).propertyName ?? (error.params as { additionalProperty?: string }).additionalProperty;
    const pointer = key === undefined ? error.instancePath : `${error.instancePath}/${key}`;
    const what =
      error.keyword === "propertyNames" ? `'${key}' is not a rule id (see docs/rules.md)`
      : error.keyword === "additionalProperties" ? `'${key}' is not a setting; the file takes only 'rules'`
      : error.keyword === "enum" ? `must be one of ${ruleLevels.join(", ")}`
      : (error.message ?? "is invalid");
    throw new SpecLoadError("syntax", `${configFileName}: ${pointer || "/"} ${what}`, loaded.locate(pointer));
  }
  return { file: loaded.file, levels: (value as { rules?: RuleLevels }).rules ?? {} };
}

/** Parses `--rule id=level` values; throws an Error naming the bad one. */
export function parseRuleOptions(values: readonly string[], rules: readonly Rule[]): RuleLevels {
  const levels: RuleLevels = {};
  for (const value of values) {
    const [id = "", level = ""] = value.split("=", 2);
    if (!rules.some((r) => r.id === id)) throw new Error(`--rule ${value}: '${id}' is not a rule id (see docs/rules.md)`);
    if (!(ruleLevels as readonly string[]).includes(level)) throw new Error(`--rule ${value}: the level must be one of ${ruleLevels.join(", ")}`);
    levels[id] = level as RuleLevel;
  }
  return levels;
}

/** The rules with their severities overridden; those set to `off` left out. */
export function withLevels(rules: readonly Rule[], levels: RuleLevels): Rule[] {
  return rules.flatMap((rule) => {
    const level = levels[rule.id];
    if (level === undefined) return [rule];
    if (level === "off") return [];
    return [{ ...rule, severity: level satisfies Severity }];
  });
}
