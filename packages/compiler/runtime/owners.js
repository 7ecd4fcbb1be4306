/**
 * owners.js of every generated app: records of `"owner": "user"` entities (docs/appspec.md,
 * "Ownership"). Over HTTP a caller sees only their own records (or every record of a `read:
 * "public"` entity) and writes only their own; another user's record answers exactly as a missing
 * one. Actions' ctx.entities are not scoped: they are the app's own code.
 */
import { entityByName, HttpError, notFound, referencesTo, SPEC } from "./model.js";
import { equalsExpr, tableOf } from "./query.js";

const LIVE = "(expires_at IS NULL OR expires_at > ?)";

export function isOwned(entity) {
  return entity?.owner === "user";
}

export function needsUser() {
  return new HttpError(401, "unauthorized", "sign in first: this route needs a signed-in user");
}

/** The ownerId of a stored row, or null. */
function ownerOf(row) {
  try {
    return JSON.parse(String(row.data)).ownerId ?? null;
  } catch {
    return null;
  }
}

/** Whether the caller (null: nobody signed in) can read a stored row of an entity. */
export function readableBy(entity, row, user) {
  if (!isOwned(entity) || entity.read === "public") return true;
  return user !== null && user !== undefined && ownerOf(row) === user.id;
}

export class Owners {
  constructor(app) {
    this.app = app;
    this.sql = app.sql;
  }

  /** An index per owned entity on its owner, so a caller's list is a range of it. */
  migrate() {
    for (const entity of SPEC.entities.filter(isOwned))
      this.sql.exec(
        `CREATE INDEX IF NOT EXISTS "e_${entity.name}_owner" ON ${tableOf(entity)} (json_extract(data, '$.ownerId'), seq)`,
      );
  }

  /**
   * What an HTTP route may do with a record of an owned entity: 401 without a user; 404 (the same
   * answer as a missing record) for a record the caller cannot read; 403 for a write to a public
   * record of another user.
   */
  check(entity, id, user, write) {
    if (!isOwned(entity)) return;
    if (!user && (write || entity.read !== "public")) throw needsUser();
    const row = this.sql
      .exec(`SELECT data FROM ${tableOf(entity)} WHERE id = ? AND ${LIVE}`, id, Date.now())
      .toArray()[0];
    if (!row) return; // records.js answers 404 for it, as for any missing record.
    if (user && ownerOf(row) === user.id) return;
    if (entity.read !== "public") throw notFound(`${entity.name} ${id}`);
    if (write) throw new HttpError(403, "forbidden", `${entity.name} ${id} belongs to another user`);
  }

  /** A list's filters for the caller: their own records, unless the entity is public to read. */
  scopeList(entity, user, query) {
    if (!isOwned(entity) || entity.read === "public") return query;
    if (!user) throw needsUser();
    return { ...query, filters: [...query.filters, { name: "ownerId", op: "eq", value: user.id }] };
  }

  /**
   * Deletes every record a user owns as DELETE would, cascades included; 409 and nothing deleted
   * when a `restrict` ref from a record that is not going too points at one of them. Runs inside
   * the caller's transaction.
   */
  removeOwnedBy(userId) {
    const now = Date.now();
    const doomed = new Map();
    const queue = [];
    for (const entity of SPEC.entities.filter(isOwned)) {
      const rows = this.sql
        .exec(`SELECT id FROM ${tableOf(entity)} WHERE json_extract(data, '$.ownerId') = ? AND ${LIVE}`, userId, now)
        .toArray();
      for (const { id } of rows) {
        doomed.set(`${entity.name}/${id}`, [entity, id]);
        queue.push([entity, id]);
      }
    }
    // First everything that goes by cascade; then any restrict ref from a record that stays refuses it.
    const restricted = [];
    while (queue.length > 0) {
      const [parent, parentId] = queue.shift();
      for (const [child, name, field] of referencesTo(parent)) {
        const rows = this.sql
          .exec(`SELECT id FROM ${tableOf(child)} WHERE ${equalsExpr(child, name)} = ? AND ${LIVE}`, parentId, now)
          .toArray();
        for (const { id: childId } of rows) {
          const key = `${child.name}/${childId}`;
          if ((field.onDelete ?? "restrict") === "restrict") {
            restricted.push([key, parent, parentId, child, childId, name]);
            continue;
          }
          if (doomed.has(key)) continue;
          doomed.set(key, [child, childId]);
          queue.push([child, childId]);
        }
      }
    }
    const blocking = restricted.find(([key]) => !doomed.has(key));
    if (blocking) {
      const [, parent, parentId, child, childId, name] = blocking;
      throw new HttpError(
        409,
        "conflict",
        `${parent.name} ${parentId} is still referenced by ${child.name} ${childId} (${name})`,
        [{ path: `${child.plural}.${name}`, message: "restricts deletion" }],
      );
    }
    this.app.records.deleteRows(doomed.values());
  }
}

/** The entity a ref field points at, when it is owned (refs to it accept only readable records). */
export function ownedTarget(field) {
  if (field?.type !== "ref") return null;
  const target = entityByName(field.entity);
  return isOwned(target) ? target : null;
}
