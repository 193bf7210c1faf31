package io.hearth.server;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.LifeCycle;

/**
 * What Hearth's state machines share beyond Ratis's BaseStateMachine: they drive their own
 * lifecycle, because {@code BaseStateMachine.pause()} is a no-op in Ratis 3.2.0 and a state machine
 * reinitialized after a snapshot install must go RUNNING -> PAUSING -> PAUSED and back through
 * STARTING -> RUNNING, or the peer shuts down; they stamp entries with the leader's time; and they
 * count the leader changes their member sees, for metrics.
 */
public abstract class LifecycleStateMachine extends BaseStateMachine {
  protected final Clock clock;
  private final AtomicLong leaderChanges = new AtomicLong();

  protected LifecycleStateMachine(Clock clock) {
    this.clock = clock;
  }

  /** NEW -> STARTING -> RUNNING, at the end of initialize (a no-op if already started). */
  protected final void started() {
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState() == LifeCycle.State.NEW) {
      lc.transition(LifeCycle.State.STARTING);
      lc.transition(LifeCycle.State.RUNNING);
    }
  }

  /** RUNNING -> PAUSING -> PAUSED, before a snapshot is installed. */
  @Override
  public void pause() {
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState() == LifeCycle.State.RUNNING) {
      lc.transition(LifeCycle.State.PAUSING);
      lc.transition(LifeCycle.State.PAUSED);
    }
  }

  /** PAUSED -> STARTING -> RUNNING, at the end of reinitialize. */
  protected final void resumed() {
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState() == LifeCycle.State.PAUSED) {
      lc.transition(LifeCycle.State.STARTING);
      lc.transition(LifeCycle.State.RUNNING);
    }
  }

  /** Ratis calls this on its own threads whenever this member learns of a new leader. */
  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeaderId) {
    leaderChanges.incrementAndGet();
  }

  /** Leaders this member has learned of since it started (the first election's too). */
  public long leaderChanges() {
    return leaderChanges.get();
  }

  /** The clock's time in nanoseconds since the epoch. */
  protected final long nowNs() {
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
