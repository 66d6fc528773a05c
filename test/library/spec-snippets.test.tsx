// The spec's feature-flag code, run as the spec writes it: the library section ("Library:
// /src/lib/portal/feature-flags.ts") and usage examples 3, 4, 5 and 8, in Node, against a
// real Postgres, through the package's module-level functions — once with Neon's driver
// (through the local stand-in for Neon's proxy) and, where the database is a plain
// Postgres, once with node-postgres.
//
// Verbatim but for two things: the import line (the package name instead of the spec's
// '@/lib/portal/...' alias), and the spec's placeholders for ids that are stored — the
// actor 'admin-user-id' and the whitelisted 'user-uuid' and 'customer-uuid' — which are
// given real UUIDs (the spec's tables keep them as uuid; the last test shows what the
// library says to a placeholder). Ids that are only evaluated stay as the spec has them.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  addCustomerToWhitelist,
  addUserToWhitelist,
  checkFeatureFlag,
  configureFeatureFlags,
  createFeatureFlag,
  getEnabledFeatures,
  gradualRollout,
  isFeatureEnabled,
  updateFeatureFlag,
} from "../../src/lib/portal/feature-flags.ts";
import { freshDatabase, harness } from "./database.ts";

const adminUserId = "00000000-0000-4000-8000-00000000ad01";
const userUuid = "11111111-1111-4111-8111-111111111111";
const customerUuid = "22222222-2222-4222-8222-222222222222";

// What Example 3 renders; the spec leaves them to the portal.
const DarkModeToggle = () => <button type="button">dark mode</button>;
const AIChatWidget = () => <aside>AI chat</aside>;
const MainContent = () => <main>content</main>;
const NewBookingFlow = () => <form>new booking flow</form>;
const OldBookingFlow = () => <form>old booking flow</form>;

const drivers: ["neon" | "node-postgres", () => boolean][] = [
  ["neon", () => true],
  // node-postgres talks to the database directly; the embedded PGlite is one session and
  // only the relay serializes its clients, so this runs against a real Postgres.
  ["node-postgres", () => harness().postgres === "external"],
];

for (const [driver, applies] of drivers) {
  describe.runIf(applies())(`the spec's library, with ${driver}`, () => {
    let logs: unknown[][];
    let log: { mockImplementation(fn: (...args: unknown[]) => void): unknown; mockRestore(): void };
    beforeAll(async () => {
      log = vi.spyOn(console, "log");
      process.env.LOCAL_PG_RELAY = harness().relay;
      configureFeatureFlags({ connectionString: await freshDatabase(), driver });
      // The flags the spec's snippets name, as an admin would have made them.
      for (const [key, enabled, rolloutPercentage] of [
        ["portal_dark_mode", true, 100],
        ["portal_ai_chat", true, 0],
        ["portal_analytics", true, 100],
        ["portal_messaging", false, 100],
        ["portal_new_booking_flow", true, 50],
        ["portal_new_dashboard", false, 0],
      ] as const) {
        await createFeatureFlag({ key, name: key, enabled, rolloutPercentage }, adminUserId);
      }
    });
    afterAll(() => log.mockRestore());
    const captureLogs = () => {
      logs = [];
      log.mockImplementation((...args: unknown[]) => void logs.push(args));
    };

    it("Check if Feature is Enabled", async () => {
      let shown = false;
      const enabled = await isFeatureEnabled("portal_dark_mode", {
        userId: "user-uuid",
        customerId: "customer-uuid",
      });

      if (enabled) {
        // Show dark mode toggle
        shown = true;
      }
      expect(shown).toBe(true);
    });

    it("Get Detailed Feature Status", async () => {
      captureLogs();
      const result = await checkFeatureFlag("portal_ai_chat", {
        customerId: "customer-uuid",
      });

      console.log(result.enabled); // true/false
      console.log(result.reason); // 'whitelist_customer', 'rollout', 'disabled'
      expect(logs).toEqual([[false], ["rollout"]]);
    });

    it("Get All Enabled Features", async () => {
      captureLogs();
      const features = await getEnabledFeatures({
        customerId: "customer-uuid",
      });

      console.log(features); // ['portal_analytics', 'portal_messaging', ...]
      expect(logs[0]![0]).toEqual(expect.arrayContaining(["portal_analytics", "portal_dark_mode"]));
      expect(logs[0]![0]).not.toContain("portal_messaging"); // switched off here
    });

    it("Update Feature Flag", async () => {
      await updateFeatureFlag(
        "portal_dark_mode",
        {
          enabled: true,
          rolloutPercentage: 50, // 50% of users
        },
        adminUserId,
      );
      expect(await checkFeatureFlag("portal_dark_mode", { userId: userUuid })).toMatchObject({ reason: "rollout" });
    });

    it("Create New Feature Flag", async () => {
      await createFeatureFlag(
        {
          key: "portal_new_feature",
          name: "New Feature",
          description: "Description of the feature",
          enabled: false,
          rolloutPercentage: 0,
        },
        adminUserId,
      );
      expect(await checkFeatureFlag("portal_new_feature", {})).toEqual({ enabled: false, reason: "disabled" });
    });

    it("Whitelist Users/Customers", async () => {
      // Add user to beta test
      await addUserToWhitelist("portal_ai_chat", userUuid);

      // Add VIP customer
      await addCustomerToWhitelist("portal_ai_chat", customerUuid);
      expect(await checkFeatureFlag("portal_ai_chat", { userId: userUuid })).toEqual({ enabled: true, reason: "whitelist_user" });
      expect(await checkFeatureFlag("portal_ai_chat", { customerId: customerUuid })).toEqual({ enabled: true, reason: "whitelist_customer" });
    });

    it("Gradual Rollout", async () => {
      // Gradually increase from 0% to 100% over 7 days
      const flag = await gradualRollout("portal_new_feature", {
        startPercentage: 0,
        endPercentage: 100,
        durationHours: 168, // 7 days
        intervalHours: 24, // Increase every 24 hours
      });
      expect(flag.rollout).toMatchObject({ status: "active", totalSteps: 7, plannedPercentage: 0 });
    });

    it("Example 3: Conditional Feature Rendering", async () => {
      // Portal component with feature flag
      async function PortalDashboard({ customerId }: { customerId: string }) {
        const darkModeEnabled = await isFeatureEnabled("portal_dark_mode", {
          customerId,
        });

        const aiChatEnabled = await isFeatureEnabled("portal_ai_chat", {
          customerId,
        });

        return (
          <div>
            {darkModeEnabled && <DarkModeToggle />}
            {aiChatEnabled && <AIChatWidget />}
            <MainContent />
          </div>
        );
      }
      const vip = String(await PortalDashboard({ customerId: customerUuid }));
      expect(vip).toContain("AI chat");
      expect(vip).toContain("content");
    });

    it("Example 4: A/B Testing", async () => {
      // Test two different booking flows
      async function BookingPage({ customerId }: { customerId: string }) {
        const result = await checkFeatureFlag("portal_new_booking_flow", {
          customerId,
        });

        if (result.enabled) {
          return <NewBookingFlow />;
        } else {
          return <OldBookingFlow />;
        }
      }
      const pages = await Promise.all(Array.from({ length: 40 }, (_, i) => BookingPage({ customerId: `customer-${i}` }).then(String)));
      // A 50 % split: both flows are served, each customer always the same one.
      expect(pages.some((p) => p.includes("new booking flow"))).toBe(true);
      expect(pages.some((p) => p.includes("old booking flow"))).toBe(true);
      expect(String(await BookingPage({ customerId: "customer-7" }))).toBe(pages[7]);
    });

    it("Example 5: Beta Program", async () => {
      captureLogs();
      // Add user to beta program
      async function enrollInBeta(userId: string) {
        await addUserToWhitelist("portal_ai_chat", userId);
        await addUserToWhitelist("portal_dark_mode", userId);

        console.log("User enrolled in beta program");
      }
      const betaUser = "33333333-3333-4333-8333-333333333333";
      await enrollInBeta(betaUser);
      expect(logs).toEqual([["User enrolled in beta program"]]);
      expect(await isFeatureEnabled("portal_dark_mode", { userId: betaUser })).toBe(true);
    });

    it("Example 8: Gradual Feature Rollout", async () => {
      // Gradually roll out new feature over 1 week
      async function rolloutNewFeature() {
        await gradualRollout("portal_new_dashboard", {
          startPercentage: 0,
          endPercentage: 100,
          durationHours: 168, // 7 days
          intervalHours: 24, // Increase 14.3% per day
        });
      }
      await rolloutNewFeature();
      expect(await checkFeatureFlag("portal_new_dashboard", { userId: userUuid })).toEqual({ enabled: false, reason: "rollout" });
    });

    it("refuses the spec's placeholders where an id is stored, saying which, and changes nothing", async () => {
      await expect(addUserToWhitelist("portal_ai_chat", "user-uuid")).rejects.toThrow("Invalid UUID");
      await expect(createFeatureFlag({ key: "portal_placeholder", name: "P" }, "admin-user-id")).rejects.toThrow("Invalid UUID");
      expect(await checkFeatureFlag("portal_placeholder", {})).toEqual({ enabled: false, reason: "not_found" });
      await expect(createFeatureFlag({ key: "Portal-Bad", name: "P" })).rejects.toThrow("key: must be snake_case");
    });
  });
}
