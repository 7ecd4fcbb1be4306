// List benchmark (pnpm bench): a generated app's list query with a sort and a range filter over one
// partition of 100,000 records, against the same over 1,000, and against 100,000 without the
// runtime's expression indexes. It runs the runtime's own SQL (packages/compiler/runtime/query.js:
// table, indexes, list statement with keyset cursor) on SQLite in this process (node:sqlite), so the
// figures are the storage cost alone: seeding 100,000 records through HTTP takes tens of minutes on
// two shared cores, and the HTTP and Durable Object hops around a page do not grow with the data.
import { DatabaseSync } from "node:sqlite";
import { AppSpec } from "@aidevos/core";
import { it } from "vitest";
// @ts-expect-error the runtime is JavaScript, type-checked by its own tsconfig
import { cursorKey, listStatement, tableStatements, wantedIndexes } from "../packages/compiler/runtime/query.js";
import { benchServer, count, floor, median, ms, pct, SCORES } from "./support";

const SMALL = 1_000;
const LARGE = 100_000;
const SAMPLES = 200;
/** Measured 1.1–1.6× (docs/benchmarks.md); a list that lost its index is hundreds of times slower. */
const FLOOR_RATIO = 3;

const { results, rows } = benchServer("lists", { server: false });

const spec = AppSpec.parse({
  name: "board",
  partition: "perKey",
  entities: [SCORES],
});
const entity = spec.entities[0]!;

/** One partition's SQLite with n records, as the app stores them; `indexed` adds the runtime's indexes. */
function partition(n: number, indexed: boolean) {
  const db = new DatabaseSync(":memory:");
  for (const statement of tableStatements(entity)) db.exec(statement);
  if (indexed) for (const [, statement] of wantedIndexes(entity)) db.exec(statement);
  const insert = db.prepare(
    `INSERT INTO "e_score" (id, data, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, NULL)`,
  );
  db.exec("BEGIN");
  for (let i = 0; i < n; i++) {
    const at = new Date(Date.UTC(2026, 0, 1) + (i % 10_000) * 60_000).toISOString();
    const data = JSON.stringify({ player: `p${i}`, points: (i * 7919) % 1000, at });
    insert.run(crypto.randomUUID(), data, at, at);
  }
  db.exec("COMMIT");
  return db;
}

/** A page as the app serves it: the statement, then each row's JSON shaped into a record. */
function page(db: DatabaseSync, query: Record<string, unknown>) {
  const { sql, args, size } = listStatement(
    entity,
    { limit: 50, after: 0, cursor: null, filters: [], sort: [], ...query },
    0,
  );
  const found = db.prepare(sql).all(...args) as Record<string, any>[];
  const items = found.slice(0, 50).map((r) => ({ id: r.id, ...JSON.parse(r.data) }));
  const last = found[49];
  const cursor =
    found.length > 50
      ? { keys: Array.from({ length: size }, (_, i) => cursorKey(last![`k${i}`])), seq: last!.seq }
      : null;
  return { items, cursor };
}

function timings(db: DatabaseSync, query: Record<string, unknown>) {
  page(db, query);
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    page(db, query);
    times.push(performance.now() - t0);
  }
  return times;
}

it("list with sort and range filter: 100,000 records against 1,000 in one partition", () => {
  const seedStart = performance.now();
  const dbs = { small: partition(SMALL, true), large: partition(LARGE, true), bare: partition(LARGE, false) };
  const seedMs = performance.now() - seedStart;
  const queries: Record<string, Record<string, unknown>> = {
    "sort=-points&points[gte]=200&points[lt]=800": {
      sort: [{ name: "points", desc: true }],
      filters: [
        { name: "points", op: "gte", value: 200 },
        { name: "points", op: "lt", value: 800 },
      ],
    },
    "sort=at&at[gt]=2026-01-01T06:00:00Z": {
      sort: [{ name: "at", desc: false }],
      filters: [{ name: "at", op: "gt", value: Date.parse("2026-01-01T06:00:00Z") / 1000 }],
    },
  };
  const spread = (xs: number[]) => `p10 ${ms(pct(xs, 10))}, p90 ${ms(pct(xs, 90))}`;
  const figures: Record<string, unknown> = {};
  for (const [what, query] of Object.entries(queries)) {
    // Twenty pages in through the cursor, then the page after that.
    let deep = query;
    for (let i = 0; i < 20; i++) deep = { ...query, cursor: page(dbs.large, deep).cursor };
    const t = {
      small: timings(dbs.small, query),
      large: timings(dbs.large, query),
      deep: timings(dbs.large, deep),
      bare: timings(dbs.bare, query),
    };
    figures[what] = t;
    const base = median(t.small);
    rows.push(
      {
        benchmark: `list ${what}, ${count(LARGE)} records`,
        figure: `${ms(median(t.large))} (${spread(t.large)})`,
        baseline: `${count(SMALL)} records ${ms(base)} (${spread(t.small)})`,
        ratio: `${(median(t.large) / base).toFixed(2)}×`,
        floor: floor(`≤ ${FLOOR_RATIO}×`, median(t.large) / base <= FLOOR_RATIO),
      },
      {
        benchmark: "  the same, page 21 through the cursor",
        figure: `${ms(median(t.deep))} (${spread(t.deep)})`,
        baseline: `${count(SMALL)} records, first page ${ms(base)}`,
        ratio: `${(median(t.deep) / base).toFixed(2)}×`,
        floor: floor(`≤ ${FLOOR_RATIO}×`, median(t.deep) / base <= FLOOR_RATIO),
      },
      {
        // The contrast that shows what the indexes buy: it must stay far above the indexed list.
        benchmark: "  the same without the runtime's indexes",
        figure: `${ms(median(t.bare))} (${spread(t.bare)})`,
        baseline: `indexed ${ms(median(t.large))}`,
        // Against the indexed list of the same 100,000 records, the baseline this row names.
        ratio: `${(median(t.bare) / median(t.large)).toFixed(2)}×`,
        floor: floor("≥ 10× the indexed list", median(t.bare) >= 10 * median(t.large)),
      },
    );
  }
  results.lists = { small: SMALL, large: LARGE, samples: SAMPLES, seedMs, figures };
});
