// Compose the district hall's committed SDL with the city-hall peer; exit 1 on any error.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const here = dirname(fileURLToPath(import.meta.url));
const load = (path) => parse(readFileSync(path, "utf8"));
const subgraphs = [
  { name: "district", url: "http://district.invalid/graphql", typeDefs: load(join(here, "..", "..", "schema.graphql")) },
  { name: "city", url: "http://city.invalid/graphql", typeDefs: load(join(here, "city-hall.graphql")) },
];

const result = composeServices(subgraphs);
if (result.errors && result.errors.length > 0) {
  for (const error of result.errors) console.error(`composition error: ${error.message}`);
  process.exit(1);
}
for (const hint of result.hints ?? []) console.log(`hint: ${hint.message}`);
const supergraph = result.schema.toAPISchema().toGraphQLJSSchema();
const enterprise = supergraph.getType("Enterprise").getFields();
const item = supergraph.getType("ServiceItem").getFields();
const station = supergraph.getType("Station").getFields();
for (const [type, fields, field] of [["Enterprise", enterprise, "cityCreditGrade"], ["ServiceItem", item, "cityCaseCountThisYear"], ["Station", station, "cityQueueLength"]]) {
  if (!fields[field]) { console.error(`${type}.${field} missing from the supergraph`); process.exit(1); }
}
console.log(`composed: ${Object.keys(supergraph.getTypeMap()).length} types; Enterprise has ${Object.keys(enterprise).length} fields, ServiceItem ${Object.keys(item).length}`);
