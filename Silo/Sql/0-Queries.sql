-- The table Orleans' ADO.NET providers read their statements from at start (SELECT QueryKey, QueryText FROM OrleansQuery).
-- Orleans binds parameters and reads result columns by name; the statements below are ours, written to that contract.
-- Every script here is idempotent: PostgresSchema applies them all at each silo start, under an advisory lock.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey varchar(64) NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);
