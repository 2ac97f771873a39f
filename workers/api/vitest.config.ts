import { workerProject } from "../../test/workerd-project.ts";

export default workerProject("api", { d1: true });
