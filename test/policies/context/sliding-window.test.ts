// `sliding_window` on a hand-made session: it keeps the newest turns whose tokens fit the window, a window filled
// exactly included, and drops the oldest first.

import { describe, expect, it } from "vitest";
import { SlidingWindow } from "../../../src/policies/context/sliding-window.ts";

describe("sliding_window", () => {
  it("keeps turns filling the window exactly, then drops the oldest first", () => {
    const window = new SlidingWindow({ windowTokens: 1000, random: () => 0.5 });
    expect(window.kind).toBe("sliding_window");
    window.append({ index: 0, tokens: 400, facts: [] });
    window.append({ index: 1, tokens: 600, facts: [{ key: "a", importance: 0.5, pinned: true }] });
    expect(window.assemble()).toEqual({
      tokens: 1000,
      items: [
        { kind: "turn", turn: 0, tokens: 400, facts: [], recalled: false },
        { kind: "turn", turn: 1, tokens: 600, facts: [{ key: "a", importance: 0.5, pinned: true }], recalled: false },
      ],
    });
    window.append({ index: 2, tokens: 1, facts: [] });
    expect(window.assemble().items.map((item) => item.kind === "turn" && item.turn)).toEqual([1, 2]);
    expect(window.assemble().tokens).toBe(601);
  });
});
