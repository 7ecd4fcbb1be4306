import catalogStatus from "../fixtures/catalog-status.json";
import notesFromText from "../fixtures/notes-from-text.json";
import prodBug from "../fixtures/prod-bug.json";
import refineExhausts from "../fixtures/refine-exhausts.json";
import refineFixesStatus from "../fixtures/refine-fixes-status.json";
import refineStalls from "../fixtures/refine-stalls.json";
import type { Fixture } from "./replay/replay-provider";

/** Recorded conversations a run can replay (`options.replay`), written by `pnpm fixtures`. */
export const FIXTURES: Record<string, Fixture> = Object.fromEntries(
  ([catalogStatus, notesFromText, prodBug, refineExhausts, refineFixesStatus, refineStalls] as Fixture[]).map((f) => [
    f.name,
    f,
  ]),
);
