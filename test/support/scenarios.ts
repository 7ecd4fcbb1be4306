// The test side of a loopback fake's scenarios (test/fakes/scripted.ts): a fresh API key per scenario with
// its scripted responses, and the request bodies the fake received under that key, read back to assert on.

export function scenarios<Response>(origin: string, keyPrefix: string) {
  return {
    /** Scripts `responses` under a new key and returns the key to call the fake with. */
    async scenario(responses: Response[]): Promise<string> {
      const key = `${keyPrefix}${crypto.randomUUID()}`;
      await fetch(`${origin}/__script`, { method: "POST", body: JSON.stringify({ key, responses }) });
      return key;
    },
    /** Every request body the fake received under `key`, in order. */
    async sent(key: string): Promise<any[]> {
      return (await fetch(`${origin}/__requests?key=${key}`)).json();
    },
  };
}
