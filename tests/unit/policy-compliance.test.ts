// The pack against what the program really declares (under Pulumi mocks): the shipped stacks must
// pass every mandatory policy, so a policy that misfires on our own objects fails here first.
import * as assert from "assert";
import { runProgram } from "../../harness/program";
import { readStackFile } from "../../harness/stack-files";
import { policies } from "../../policy/policies";
import { violations } from "../../policy/tests/harness";

describe("policy pack on the program's own resources", function () {
  this.timeout(60000);
  for (const stack of ["dev", "prod", "local"]) {
    it(`${stack}: no mandatory violation`, async () => {
      const run = await runProgram(stack, readStackFile(stack));
      const resources = run.resources
        .filter((r) => r.type.startsWith("kubernetes:"))
        .map((r) => ({ type: r.type, props: r.inputs, name: r.name }));
      const registry = `${(readStackFile(stack).registry as any).server}/${(readStackFile(stack).registry as any).project}`;
      const found: string[] = [];
      for (const p of policies)
        for (const v of await violations(p, resources, { registry }))
          found.push(`${p.enforcementLevel} ${p.name}: ${v}`);
      assert.deepStrictEqual(
        found.filter((f) => f.startsWith("mandatory")),
        [],
      );
      const advisory = found.filter((f) => f.startsWith("advisory"));
      // dev runs preferred anti-affinity on purpose (few nodes); prod requires it.
      if (stack === "prod") assert.deepStrictEqual(advisory, []);
      else
        assert.ok(
          advisory.every((a) => a.includes("statefulset-anti-affinity-required")),
          JSON.stringify(advisory),
        );
    });
  }
});
