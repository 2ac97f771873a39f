import { workerProject } from "../../test/workerd-project.ts";

export default workerProject("ingest", { d1: true });
