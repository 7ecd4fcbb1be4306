import { code, type SeedPattern } from "./pattern";

const cart: SeedPattern = {
  title: "Shopping cart",
  summary: "Shopping carts per customer key with items (sku, quantity, price) and a cart total.",
  keywords: [
    "products",
    "product",
    "order",
    "orders",
    "cart",
    "carts",
    "shopping",
    "shop",
    "basket",
    "checkout",
    "items",
    "sku",
    "price",
    "quantity",
    "total",
    "store",
    "ecommerce",
  ],
  request: "A shopping cart per customer with items, quantities, prices and a total",
  needs: [],
  spec: {
    name: "cart",
    description: "Carts per customer key",
    partition: "perKey",
    entities: [
      { name: "cart", plural: "carts", fields: { owner: { type: "string", required: true, maxLength: 100 } } },
      {
        name: "item",
        plural: "items",
        fields: {
          cartId: { type: "ref", entity: "cart", required: true, onDelete: "cascade" },
          sku: { type: "string", required: true, pattern: "^[A-Z0-9-]{3,20}$" },
          qty: { type: "integer", min: 0, default: 1 },
          price: { type: "number", min: 0, required: true },
        },
        unique: [["cartId", "sku"]],
        sortable: ["price", "qty"],
      },
    ],
    actions: [
      {
        name: "cartTotal",
        method: "GET",
        path: "/carts/:id/total",
        description: "Sum of price × qty over the cart's items",
        code: code(`
const cart = await ctx.entities.carts.get(ctx.params.id);
const { items } = await ctx.entities.items.list({ where: { cartId: cart.id }, limit: 100 });
return { items: items.length, total: items.reduce((sum, i) => sum + i.price * i.qty, 0) };`),
        examples: [
          { path: "/carts/{{cart}}/total", status: 200, json: { items: 2, total: 7 } },
          { path: "/carts/nope/total", status: 404 },
        ],
      },
    ],
    examples: [
      { method: "POST", path: "/carts", body: { owner: "ann" }, status: 201, save: { cart: "id" } },
      { method: "POST", path: "/items", body: { cartId: "{{cart}}", sku: "ABC-1", qty: 2, price: 1.5 }, status: 201 },
      {
        method: "POST",
        path: "/items",
        body: { cartId: "{{cart}}", sku: "XYZ-9", price: 4 },
        status: 201,
        json: { qty: 1 },
      },
      { method: "POST", path: "/items", body: { cartId: "{{cart}}", sku: "ABC-1", price: 1 }, status: 409 },
      { method: "POST", path: "/items", body: { cartId: "missing", sku: "ABC-2", price: 1 }, status: 400 },
    ],
  },
};
export default cart;
