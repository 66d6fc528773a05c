import { describe, expect, it } from "vitest";
import { judge, transition, type GuardSettings } from "../../src/flags/rollout-guard.ts";

const settings: GuardSettings = { maxErrorRate: 0.05, minEvaluations: 100, onErrorRate: "hold", resumeAfterMinutes: 30 };
const quiet = { evaluations: 0, errors: 0, errorRate: null };
const at = (minute: number) => new Date(Date.UTC(2030, 0, 1, 12, minute));

describe("the rollout guard", () => {
  it("is not clear while a component is down, naming each and why", () => {
    expect(
      judge(settings, {
        down: [
          { component: "stripe", why: "unhealthy" },
          { component: "email", why: "open incident" },
        ],
        step: quiet,
      }),
    ).toEqual({ clear: false, cause: "component", reason: "stripe: unhealthy; email: open incident" });
  });

  it("counts the error rate only past the minimum of evaluations, and only above the limit", () => {
    expect(judge(settings, { down: [], step: { evaluations: 99, errors: 99, errorRate: 1 } })).toEqual({ clear: true });
    expect(judge(settings, { down: [], step: { evaluations: 200, errors: 10, errorRate: 0.05 } })).toEqual({ clear: true });
    expect(judge(settings, { down: [], step: { evaluations: 1234, errors: 89, errorRate: 89 / 1234 } })).toEqual({
      clear: false,
      cause: "error_rate",
      reason: "error rate 7.21 % over the current step (limit 5.00 %, 1,234 evaluations)",
    });
    expect(judge({ ...settings, maxErrorRate: null }, { down: [], step: { evaluations: 1000, errors: 1000, errorRate: 1 } })).toEqual({ clear: true });
  });

  it("holds an active plan, rolling back only for an error rate, only when told, and only past step 0", () => {
    const active = { ...settings, status: "active" as const, appliedStep: 2, guardClearSince: null };
    const errors = { clear: false as const, cause: "error_rate" as const, reason: "r" };
    expect(transition(active, { clear: true }, at(0))).toEqual({ kind: "advance" });
    expect(transition(active, errors, at(0))).toEqual({ kind: "hold", reason: "r", rollback: false });
    expect(transition({ ...active, onErrorRate: "rollback" }, errors, at(0))).toEqual({ kind: "hold", reason: "r", rollback: true });
    expect(transition({ ...active, onErrorRate: "rollback", appliedStep: 0 }, errors, at(0))).toMatchObject({ rollback: false });
    expect(transition({ ...active, onErrorRate: "rollback" }, { clear: false, cause: "component", reason: "c" }, at(0))).toMatchObject({
      rollback: false,
    });
  });

  it("resumes a held plan once the guard has been clear for the whole wait, and starts the wait again after a relapse", () => {
    const held = { ...settings, status: "held" as const, appliedStep: 1, guardClearSince: null };
    const first = transition(held, { clear: true }, at(0));
    expect(first).toEqual({ kind: "wait", clearSince: at(0) });
    expect(transition({ ...held, guardClearSince: at(0) }, { clear: true }, at(29))).toEqual({ kind: "wait", clearSince: at(0) });
    expect(transition({ ...held, guardClearSince: at(0) }, { clear: true }, at(30))).toEqual({ kind: "resume", clearMinutes: 30 });
    expect(transition({ ...held, guardClearSince: at(0) }, { clear: false, cause: "component", reason: "c" }, at(20))).toEqual({
      kind: "wait",
      clearSince: null,
    });
    // The same minute judged twice gives the same answer: a rerun changes nothing.
    expect(transition({ ...held, guardClearSince: at(0) }, { clear: true }, at(10))).toEqual(
      transition({ ...held, guardClearSince: at(0) }, { clear: true }, at(10)),
    );
  });
});
