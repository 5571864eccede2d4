import { type infer as Infer, literal, nullable, number, object, string } from "zod/mini";
import { keyPart } from "../pipeline/keys.ts";
import type { Store } from "../store/store.ts";

/**
 * "I'm on it" (docs/architecture.md, "Acknowledge"): `acks/<episode id>`, who took the episode and when.
 * The sweep sends no reminder for an acknowledged episode (`readAck`); the board lists them. Overwritten
 * by whoever acknowledges last; removed with the episode's other records.
 */
const ackSchema = object({
  v: literal(1),
  episode: string(),
  stream: string(),
  site: string(),
  branch: nullable(string()),
  /** Slack user id. */
  user: string(),
  at: number(),
});
export type Ack = Infer<typeof ackSchema>;

export const ACKS_PREFIX = "acks/";
export const ackKey = (episodeId: string): string => `${ACKS_PREFIX}${keyPart(episodeId)}`;

export const parseAck = (value: unknown): Ack | null => {
  const parsed = ackSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
};

export const writeAck = async (store: Store, ack: Omit<Ack, "v">): Promise<void> => {
  await store.set(ackKey(ack.episode), { v: 1, ...ack });
};

/** The episode's acknowledgement, or null: remind as usual. */
export const readAck = async (store: Store, episodeId: string): Promise<Ack | null> =>
  parseAck(await store.read(ackKey(episodeId)));

export const listAcks = async (store: Store): Promise<Ack[]> => {
  const keys = await store.list(ACKS_PREFIX);
  const values = await Promise.all(keys.map((key) => store.read(key)));
  return values.map(parseAck).filter((ack): ack is Ack => ack !== null);
};
