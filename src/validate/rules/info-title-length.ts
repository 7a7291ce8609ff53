import { isObject } from "../model.ts";
import type { Rule } from "../rule.ts";

/** Certification's limit on the connector name (connector-format.md §2, "Certification content rules"). */
export const maxTitleLength = 30;

export const infoTitleLength: Rule = {
  id: "info-title-length",
  severity: "error",
  doc: `info.title, the connector's name, has at most ${maxTitleLength} characters.`,
  *check({ definition }) {
    const info = isObject(definition) ? definition.info : undefined;
    const title = isObject(info) ? info.title : undefined;
    if (typeof title !== "string" || title.length <= maxTitleLength) return;
    yield {
      message: `info.title '${title}' has ${title.length} characters; at most ${maxTitleLength} are allowed`,
      pointer: "/info/title",
      document: "apiDefinition",
    };
  },
};
