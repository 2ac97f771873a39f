// A third of the exactness harness's clocks (see analytics-exactness.ts).
import { exactnessAtClocks } from "./analytics-exactness.ts";

exactnessAtClocks(1, 3);
