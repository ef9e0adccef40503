/**
 * Tables owned by the slack module, as Kysely sees them. `Database` in src/db/schema.ts extends
 * this interface; the module's migrations create them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled as the module grows
export interface SlackTables {}
