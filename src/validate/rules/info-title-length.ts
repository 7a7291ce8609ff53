import { sources } from "../evidence.ts";
import { isObject } from "../../connector/index.ts";
import type { Rule } from "../rule.ts";

/** Certification's limit on the connector name (docs/rules.md, "info-title-length"). */
export const maxTitleLength = 30;

export const infoTitleLength: Rule = {
  id: "info-title-length",
  severity: "error",
  doc: `info.title, the connector's name, has at most ${maxTitleLength} characters.`,
  why: "The connector's name is limited to 30 characters.",
  evidence: [{ says: "Gate message: \"The 'title' value goes over the character limit '30' ValuePath: /info/title\"", url: sources.pr(3407) }, { says: "The same message on another submission.", url: sources.pr(3841) }],
  example: { fail: "info:\n  title: Contoso Orders and Invoices Service", pass: "info:\n  title: Contoso Orders" },
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
