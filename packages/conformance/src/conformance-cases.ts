import type { ConformanceCase } from "./conformance-case.js";
import { keyCases } from "./cases/key-cases.js";
import { putCases } from "./cases/put-cases.js";
import { failedPutCases } from "./cases/failed-put-cases.js";
import { conditionalCases } from "./cases/conditional-cases.js";
import { getCases } from "./cases/get-cases.js";
import { rangeCases } from "./cases/range-cases.js";
import { headCases } from "./cases/head-cases.js";
import { listCases } from "./cases/list-cases.js";
import { deleteCases } from "./cases/delete-cases.js";
import { errorCases } from "./cases/error-cases.js";
import { capabilityCases } from "./cases/capability-cases.js";
import { optionCases } from "./cases/option-cases.js";
import { signPutCombinationCases } from "./cases/sign-put-combination-cases.js";
import { signingCases } from "./cases/signing-cases.js";
import { bodyCases } from "./cases/body-cases.js";
import { existsCases } from "./cases/exists-cases.js";
import { startAfterCases } from "./cases/start-after-cases.js";
import { conditionalDeleteCases } from "./cases/conditional-delete-cases.js";
import { deletePrefixCases } from "./cases/delete-prefix-cases.js";
import { copyCases } from "./cases/copy-cases.js";
import { updateMetadataCases } from "./cases/update-metadata-cases.js";
import { moveCases } from "./cases/move-cases.js";
import { copyCapabilityCases } from "./cases/copy-capability-cases.js";
import { uploadSessionCases } from "./cases/upload-session-cases.js";
import { expiryCases } from "./cases/expiry-cases.js";

/** Every case of the specification, in a stable order. */
export const conformanceCases: readonly ConformanceCase[] = [
  ...keyCases,
  ...putCases,
  ...failedPutCases,
  ...bodyCases,
  ...conditionalCases,
  ...getCases,
  ...rangeCases,
  ...headCases,
  ...existsCases,
  ...listCases,
  ...startAfterCases,
  ...deleteCases,
  ...conditionalDeleteCases,
  ...deletePrefixCases,
  ...copyCases,
  ...updateMetadataCases,
  ...moveCases,
  ...errorCases,
  ...capabilityCases,
  ...copyCapabilityCases,
  ...optionCases,
  ...signPutCombinationCases,
  ...signingCases,
  ...uploadSessionCases,
  ...expiryCases,
];
