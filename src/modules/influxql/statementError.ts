/** Why one statement has no result; it becomes `{ statement_id, error }` and the others still run. */
export class StatementError extends Error {}
