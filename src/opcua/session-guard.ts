import type { OPCUAServer, ServerSession } from "node-opcua";
import type { Logger } from "../log/logger.js";

export interface SessionLimits {
  /** Sessions one secure channel may hold at once; a well-behaved client needs one or two. */
  perChannel: number;
  /**
   * How long a session outlives its closed channel. Part 4 lets a client reattach a session to
   * a new channel within the session timeout, which the client chooses (up to 50 minutes in
   * node-opcua): without this bound, a client that opens many sessions and vanishes would hold
   * the server's session slots long after it left.
   */
  orphanGraceMs: number;
}

export const defaultSessionLimits: SessionLimits = { perChannel: 10, orphanGraceMs: 60_000 };

/**
 * Keeps one client from exhausting the server's sessions: anyone with a well-formed
 * certificate may open a channel (applications enrol before they hold our certificate), so the
 * bound must hold per channel, and sessions left behind by a closed channel must not linger.
 */
export function guardSessions(server: OPCUAServer, limits: SessionLimits, log: Logger): void {
  const open = new Set<ServerSession>();
  const onChannel = (channelId: number) =>
    [...open].filter((session) => session.channelId === channelId);
  const close = (session: ServerSession) =>
    server.engine.closeSession(session.authenticationToken, true, "Forcing");

  server.on("create_session", (session: ServerSession) => {
    const channelId = session.channelId;
    if (channelId === undefined || channelId === null) return;
    const siblings = onChannel(channelId).length;
    if (siblings >= limits.perChannel) {
      log.warn({ channelId, sessions: siblings }, "too many sessions on one channel");
      close(session);
      return;
    }
    open.add(session);
    session.on("session_closed", () => open.delete(session));
  });

  for (const endpoint of server.endpoints) {
    endpoint.on("closeChannel", (channel: { channelId: number }) => {
      // A session reattached to a new channel meanwhile carries the new channel's id.
      const timer = setTimeout(() => onChannel(channel.channelId).forEach(close),
        limits.orphanGraceMs);
      timer.unref();
    });
  }
}
