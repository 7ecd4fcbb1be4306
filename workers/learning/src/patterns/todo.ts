import { code, type SeedPattern } from "./pattern";

const todo: SeedPattern = {
  title: "Todo list",
  summary: "A todo list of tasks with titles, done flags and due dates; completed tasks can be cleared at once.",
  keywords: [
    "chore",
    "chores",
    "errand",
    "errands",
    "deadline",
    "deadlines",
    "finish",
    "finished",
    "pending",
    "backlog",
    "todo",
    "todos",
    "task",
    "tasks",
    "checklist",
    "list",
    "due",
    "dates",
    "done",
    "complete",
    "reminders",
  ],
  request: "A todo list where I can add tasks with due dates, tick them off and clear the done ones",
  needs: [],
  spec: {
    name: "todo",
    description: "Tasks with due dates; done tasks can be cleared",
    entities: [
      {
        name: "task",
        plural: "tasks",
        fields: {
          title: { type: "string", required: true, minLength: 1, maxLength: 200 },
          done: { type: "boolean", default: false },
          due: { type: "datetime" },
        },
        sortable: ["due"],
      },
    ],
    actions: [
      {
        name: "clearDone",
        method: "POST",
        path: "/tasks/clear-done",
        description: "Deletes every done task and says how many went",
        code: code(`
const { items } = await ctx.entities.tasks.list({ where: { done: true }, limit: 100 });
for (const task of items) await ctx.entities.tasks.delete(task.id);
return { removed: items.length };`),
        examples: [
          { method: "POST", path: "/tasks/clear-done", status: 200, json: { removed: 1 } },
          { path: "/tasks", status: 200, json: { items: [{ title: "walk the dog", done: false }] } },
        ],
      },
    ],
    examples: [
      {
        method: "POST",
        path: "/tasks",
        body: { title: "buy milk" },
        status: 201,
        json: { title: "buy milk", done: false, due: "<null>" },
        save: { task: "id" },
      },
      { method: "POST", path: "/tasks", body: { title: "walk the dog", due: "2030-01-01T09:00:00.000Z" }, status: 201 },
      { method: "PATCH", path: "/tasks/{{task}}", body: { done: true }, status: 200, json: { done: true } },
      { method: "POST", path: "/tasks", body: {}, status: 400, json: { error: { code: "validation_failed" } } },
      { path: "/tasks?sort=-due", status: 200, count: { items: 2 } },
    ],
  },
};
export default todo;
