// Redis client plumbing shared by the Redis adapters (limits, notifier, response cache).
export { ioredisDriver } from './redis-driver.ts';
