import { BudgetExceededError } from "@aidevos/core";
import type { Usage } from "./provider";

/** USD per million tokens. Cache writes cost 1.25× input, cache reads 0.1× input. */
interface ModelPrice {
  input: number;
  output: number;
}

const PRICES: [prefix: string, price: ModelPrice][] = [
  ["claude-opus", { input: 5, output: 25 }],
  ["claude-sonnet", { input: 3, output: 15 }],
  ["claude-haiku", { input: 1, output: 5 }],
];

export function costUsd(model: string, usage: Usage): number {
  const price = PRICES.find(([prefix]) => model.startsWith(prefix))?.[1];
  if (!price) return 0;
  const perToken = (usd: number) => usd / 1_000_000;
  return (
    usage.inputTokens * perToken(price.input) +
    usage.cacheWriteTokens * perToken(price.input * 1.25) +
    usage.cacheReadTokens * perToken(price.input * 0.1) +
    usage.outputTokens * perToken(price.output)
  );
}

/** Field-by-field sum of two tallies of the same shape (token usage, run usage). */
export function addCounts<T extends { [K in keyof T]: number }>(a: T, b: T): T {
  return Object.fromEntries(Object.keys(a).map((k) => [k, a[k as keyof T] + b[k as keyof T]])) as T;
}

export const addUsage = (a: Usage, b: Usage): Usage => addCounts(a, b);

export function totalTokens(u: Usage): number {
  return u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;
}

/** The name this package has always used for `budget_exceeded`. */
export const TokenBudgetExceededError = BudgetExceededError;

/** A run's token allowance: every call is checked before it is made and counted after. */
export class TokenBudget {
  constructor(
    readonly limit: number,
    private used = 0,
  ) {}

  get spent(): number {
    return this.used;
  }

  check(): void {
    if (this.used >= this.limit) throw new TokenBudgetExceededError(this.limit, this.used);
  }

  charge(usage: Usage): void {
    this.used += totalTokens(usage);
  }
}
