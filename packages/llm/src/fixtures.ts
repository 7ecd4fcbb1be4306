import bogusHash from "../fixtures/bogus-hash.json";
import catalogStatus from "../fixtures/catalog-status.json";
import failsExample from "../fixtures/fails-example.json";
import fencedCode from "../fixtures/fenced-code.json";
import moduleCode from "../fixtures/module-code.json";
import neverConverges from "../fixtures/never-converges.json";
import notesFromText from "../fixtures/notes-from-text.json";
import prodBug from "../fixtures/prod-bug.json";
import refineExhausts from "../fixtures/refine-exhausts.json";
import refineFixesStatus from "../fixtures/refine-fixes-status.json";
import refineModule from "../fixtures/refine-module.json";
import refineStalls from "../fixtures/refine-stalls.json";
import refineTwoActions from "../fixtures/refine-two-actions.json";
import reviewFindsBug from "../fixtures/review-finds-bug.json";
import truncated from "../fixtures/truncated.json";
import wrongCtxApi from "../fixtures/wrong-ctx-api.json";
import type { Fixture } from "./replay/replay-provider";

/**
 * Model conversations a run can replay (`options.replay`). The first seven are hand-written, shaped
 * like real model answers (fences, a made-up hash, a cut answer, a review error, a failed example, a
 * wrong ctx API, a refiner that never converges), each with the outcome it must produce, as is
 * `refine-two-actions` (one failing action of two: the refiner must rewrite it alone) and `module-code`
 * (a shared module planned without code, written before the action that imports it) and `refine-module`
 * (the bug in a module a failing action imports: the refiner fixes the module); the rest are
 * written by `pnpm fixtures` (scripts/fixtures.record.ts) with planted defects. None is recorded from a
 * live model, and all usage figures are illustrative.
 */
export const FIXTURES: Record<string, Fixture> = Object.fromEntries(
  (
    [
      fencedCode,
      bogusHash,
      truncated,
      reviewFindsBug,
      failsExample,
      wrongCtxApi,
      neverConverges,
      refineTwoActions,
      moduleCode,
      refineModule,
      catalogStatus,
      notesFromText,
      prodBug,
      refineExhausts,
      refineFixesStatus,
      refineStalls,
    ] as Fixture[]
  ).map((f) => [f.name, f]),
);
