export { AppHostDO, type LiveTarget } from "./app-host";
export { DeployDO } from "./deploy-do";
export { appHostOf } from "./hosts";
