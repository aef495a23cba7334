import { uuidv7 } from '../../shared/ids.js';

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  /** A new UUID v7. */
  next(): string;
}

export const systemClock: Clock = { now: () => new Date() };
export const uuidV7Generator: IdGenerator = { next: () => uuidv7() };
