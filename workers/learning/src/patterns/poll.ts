import { code, type SeedPattern } from "./pattern";

const poll: SeedPattern = {
  title: "Poll with votes",
  summary: "Polls with a question and options people vote for; results list options by votes.",
  keywords: [
    "tally",
    "choice",
    "choices",
    "election",
    "opinion",
    "answers",
    "poll",
    "polls",
    "vote",
    "votes",
    "voting",
    "survey",
    "question",
    "options",
    "results",
    "ballot",
  ],
  request: "A poll app: create a question with options, people vote, show the results",
  needs: [],
  spec: {
    name: "poll",
    description: "Questions, options and votes",
    entities: [
      {
        name: "poll",
        plural: "polls",
        fields: { question: { type: "string", required: true, minLength: 1, maxLength: 300 } },
      },
      {
        name: "option",
        plural: "options",
        fields: {
          pollId: { type: "ref", entity: "poll", required: true, onDelete: "cascade" },
          label: { type: "string", required: true, minLength: 1, maxLength: 100 },
          votes: { type: "integer", min: 0, default: 0 },
        },
        unique: [["pollId", "label"]],
        sortable: ["votes"],
        operations: ["create", "get", "list", "delete"],
      },
    ],
    actions: [
      {
        name: "vote",
        method: "POST",
        path: "/options/:id/vote",
        description: "One vote for the option, counted atomically",
        code: code(`
const option = await ctx.entities.options.increment(ctx.params.id, "votes", 1);
return { id: option.id, label: option.label, votes: option.votes };`),
        examples: [
          { method: "POST", path: "/options/{{pizza}}/vote", status: 200, json: { label: "pizza", votes: 1 } },
          { method: "POST", path: "/options/missing/vote", status: 404 },
        ],
      },
      {
        name: "results",
        method: "GET",
        path: "/polls/:id/results",
        description: "The poll's options, most votes first",
        code: code(`
const poll = await ctx.entities.polls.get(ctx.params.id);
const { items } = await ctx.entities.options.list({ where: { pollId: poll.id }, sort: "-votes", limit: 100 });
return { question: poll.question, options: items.map((o) => ({ label: o.label, votes: o.votes })) };`),
        examples: [
          {
            path: "/polls/{{poll}}/results",
            status: 200,
            json: {
              question: "Lunch?",
              options: [
                { label: "pizza", votes: 1 },
                { label: "salad", votes: 0 },
              ],
            },
          },
        ],
      },
    ],
    examples: [
      { method: "POST", path: "/polls", body: { question: "Lunch?" }, status: 201, save: { poll: "id" } },
      { method: "POST", path: "/options", body: { pollId: "{{poll}}", label: "salad" }, status: 201 },
      {
        method: "POST",
        path: "/options",
        body: { pollId: "{{poll}}", label: "pizza" },
        status: 201,
        save: { pizza: "id" },
      },
      { method: "POST", path: "/options", body: { pollId: "{{poll}}", label: "pizza" }, status: 409 },
      { method: "PATCH", path: "/options/{{pizza}}", body: { votes: 100 }, statusIn: [404, 405] },
    ],
  },
};
export default poll;
