import { Initial1795640443681 } from './1795640443681-Initial.js';

/** Every migration, in order. The drift test fails when entities need one that is not here. */
export const MIGRATIONS = [Initial1795640443681];
