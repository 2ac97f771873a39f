import { workerProject } from "../../test/workerd-project.ts";

export default workerProject("redirect");
