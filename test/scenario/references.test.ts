// Names a scenario refers to, checked by what they name: providers named by rate control, queue options keyed by group value (by tenant,
// template, lane and mode), mlfq's lanes, project limits by tenant; `job` keys are run-time ids and pass.

import { describe, expect, it } from "vitest";
import { checkScenarioText } from "../../src/scenario/load.ts";

const SCENARIO = {
  name: "names",
  stop: { jobs: 10 },
  arrivals: { rate_per_second: 1 },
  providers: [{ name: "solo", max_concurrent: 2, latency: { time_to_first_token_ms: 100, decode_tokens_per_second: 50 } }],
  templates: [{ name: "ask", tenant: "acme", provider: "solo", input_tokens: 100, output_tokens: 50, max_output_tokens: 200 }],
  policies: [
    { name: "a", queue: { kind: "priority", group_by: "lane", priorities: { interactiv: 3, batch: 1 } } },
    { name: "b", queue: { kind: "drr", group_by: "template", quanta: { aks: 2, ask: 1 } } },
    { name: "c", global_max_concurrent: 2, queue: { kind: "proportional", group_by: "mode", quotas: { mentoin: 2 } } },
    { name: "d", queue: { kind: "mlfq", lanes: ["interactive", "bacth"] } },
    { name: "e", queue: { kind: "wfq", group_by: "job", weights: { "17": 2 } } },
    { name: "f", queue: { kind: "vtc", weights: { acme: 2, akme: 1 } }, project_mention_limits: { acme: 1, "ac me": 2 } },
    { name: "h", orchestrator_provider: "sloo" },
    { name: "g", rate_control: { aimd: { providers: ["solo", "sola"] }, pacing: { limits: { slo: { requests_per_minute: 60 } } } } },
  ],
};

describe("names that must match", () => {
  it("are each reported with what they should have matched", () => {
    const errors = checkScenarioText(JSON.stringify(SCENARIO), "names.json").errors.map((problem) => `${problem.path}: ${problem.message}`);
    expect(errors).toEqual([
      'policies[6].orchestrator_provider: no provider is named "sloo"; did you mean "solo"? (have: solo)',
      'policies[7].rate_control.aimd.providers[1]: no provider is named "sola"; did you mean "solo"? (have: solo)',
      'policies[7].rate_control.pacing.limits.slo: no provider is named "slo"; did you mean "solo"? (have: solo)',
      'policies[5].project_mention_limits["ac me"]: no template has tenant "ac me"; did you mean "acme"? (have: acme)',
      'policies[0].queue.priorities.interactiv: "interactiv" is not a lane; did you mean "interactive"? (have: interactive, batch, background)',
      'policies[1].queue.quanta.aks: no template has the name "aks"; did you mean "ask"? (have: ask)',
      'policies[2].queue.quotas.mentoin: "mentoin" is not a mode; did you mean "mention"? (have: time, issue, mention)',
      'policies[3].queue.lanes[1]: "bacth" is not a lane; did you mean "batch"? (have: interactive, batch, background)',
      'policies[5].queue.weights.akme: no template has tenant "akme"; did you mean "acme"? (have: acme)',
    ]);
  });
});
