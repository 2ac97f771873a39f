// A third of the exactness harness's clocks, today's among them (see analytics-exactness.ts).
import { exactnessAtClocks } from "./analytics-exactness.ts";

exactnessAtClocks(0, 3);
