package io.hearth.cli;

import io.hearth.cli.admin.Membership;
import io.hearth.protocol.HearthException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "evict",
    description = {
      "End a client session now (as if it had stopped answering for its TTL): its locks and",
      "leases go to whoever waits for them, files only it held open are freed, and its mount",
      "gets EIO for files whose locks it lost and a fresh session for everything else.",
      "'hearth admin sessions' lists the sessions and their ids."
    })
final class EvictCommand extends MembershipCommand {
  @Parameters(
      paramLabel = "SESSION",
      description = "The session's id (first column of 'sessions').")
  long session;

  @Override
  int run(Membership m) throws HearthException {
    m.evict(session, "hearth admin evict on " + io.hearth.client.HearthClient.hostName());
    out.println("session " + session + " ended; its locks and leases are released");
    return 0;
  }
}
