package io.hearth.server.metrics;

import io.hearth.protocol.Groups;
import io.hearth.server.LifecycleStateMachine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.StateMachine;

/**
 * What one Raft group looks like on this node at scrape time, read from its Ratis division. Reading
 * takes no Raft lock (Ratis keeps these values in atomics), so a scrape never holds up a Raft
 * thread; a group being added may make the read wait for its initialization. A division whose log
 * is not open yet (starting) counts as not alive, with indexes -1.
 *
 * @param name "meta", or "data-N" for data group N (the group id for anything else)
 * @param dataNumber N for data group N, else -1
 * @param leaderChanges leaders this member has seen since it started, the first election included
 */
record GroupState(
    String name,
    boolean meta,
    int dataNumber,
    RaftPeerRole role,
    boolean alive,
    long term,
    long commitIndex,
    long appliedIndex,
    long leaderChanges,
    RaftPeerId leader,
    boolean isLeader,
    StateMachine stateMachine) {

  /** The groups this node hosts now, meta first, then data groups by number. */
  static List<GroupState> of(RaftServer raft) {
    List<GroupState> out = new ArrayList<>();
    for (RaftGroupId gid : raft.getGroupIds()) {
      RaftServer.Division d;
      try {
        d = raft.getDivision(gid);
      } catch (IOException removedMeanwhile) {
        continue;
      }
      DivisionInfo info = d.getInfo();
      StateMachine sm = d.getStateMachine();
      long commit;
      long applied;
      boolean open = true;
      try {
        commit = d.getRaftLog().getLastCommittedIndex();
        applied = info.getLastAppliedIndex();
      } catch (IllegalStateException notStartedYet) {
        commit = -1;
        applied = -1;
        open = false;
      }
      out.add(
          new GroupState(
              name(gid),
              gid.getUuid().equals(Groups.META),
              Groups.dataNumber(gid.getUuid()),
              info.getCurrentRole(),
              info.isAlive() && open,
              info.getCurrentTerm(),
              commit,
              applied,
              sm instanceof LifecycleStateMachine l ? l.leaderChanges() : 0,
              info.getLeaderId(),
              info.isLeader(),
              sm));
    }
    out.sort(
        Comparator.comparing((GroupState g) -> !g.meta)
            .thenComparingLong(g -> g.dataNumber < 0 ? Long.MAX_VALUE : g.dataNumber));
    return out;
  }

  static String name(RaftGroupId gid) {
    if (gid.getUuid().equals(Groups.META)) {
      return "meta";
    }
    int n = Groups.dataNumber(gid.getUuid());
    return n >= 0 ? "data-" + n : gid.getUuid().toString();
  }
}
