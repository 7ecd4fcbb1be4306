import { code, type SeedPattern } from "./pattern";

const leaderboard: SeedPattern = {
  title: "Leaderboard",
  summary:
    "A game leaderboard of players and their points: award points atomically, show the top ten and a player's rank.",
  keywords: [
    "highscore",
    "high",
    "winner",
    "winning",
    "standings",
    "league",
    "tournament",
    "competition",
    "challenge",
    "quiz",
    "leaderboard",
    "scores",
    "score",
    "points",
    "ranking",
    "rank",
    "players",
    "player",
    "game",
    "top",
    "highscores",
  ],
  request: "A leaderboard for my game: players score points, show the top ten and each player's rank",
  needs: [],
  spec: {
    name: "leaderboard",
    description: "Players, points, top ten and ranks",
    entities: [
      {
        name: "player",
        plural: "players",
        fields: {
          name: { type: "string", required: true, pattern: "^[A-Za-z0-9_-]{1,32}$" },
          points: { type: "integer", min: 0, default: 0 },
        },
        unique: ["name"],
        sortable: ["points"],
      },
    ],
    actions: [
      {
        name: "top",
        method: "GET",
        path: "/top",
        description: "The ten players with the most points",
        code: code(`
const { items } = await ctx.entities.players.list({ sort: "-points", limit: 10 });
return { items: items.map((p) => ({ name: p.name, points: p.points })) };`),
        examples: [
          {
            path: "/top",
            status: 200,
            json: {
              items: [
                { name: "ann", points: 15 },
                { name: "bob", points: 9 },
              ],
            },
          },
        ],
      },
      {
        name: "rank",
        method: "GET",
        path: "/players/:id/rank",
        description: "1 + how many players have more points (ties share a rank; counted up to 100)",
        code: code(`
const player = await ctx.entities.players.get(ctx.params.id);
const { items } = await ctx.entities.players.list({ where: { points: { gt: player.points } }, limit: 100 });
return { name: player.name, points: player.points, rank: items.length + 1 };`),
        examples: [
          { path: "/players/{{bob}}/rank", status: 200, json: { name: "bob", rank: 2 } },
          { path: "/players/nobody/rank", status: 404 },
        ],
      },
    ],
    examples: [
      { method: "POST", path: "/players", body: { name: "ann", points: 5 }, status: 201, save: { ann: "id" } },
      { method: "POST", path: "/players", body: { name: "bob", points: 9 }, status: 201, save: { bob: "id" } },
      { method: "POST", path: "/players", body: { name: "ann" }, status: 409 },
      {
        method: "POST",
        path: "/players/{{ann}}/increment",
        body: { field: "points", by: 10 },
        status: 200,
        json: { points: 15 },
      },
      { method: "POST", path: "/players/{{ann}}/increment", body: { field: "points", by: -100 }, status: 409 },
    ],
  },
};
export default leaderboard;
