// Option types the managers' scenario definitions share (not part of the package API).

import { z } from "zod";

export const fraction = z.number().gt(0).max(1);
export const probability = z.number().min(0).max(1);
export const tokens = z.number().nonnegative();
