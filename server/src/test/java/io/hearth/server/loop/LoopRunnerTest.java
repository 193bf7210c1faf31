package io.hearth.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The runner on a hand-stepped clock with a direct executor: each step runs inside the test's
 * {@code advance}, so the times at which steps ran are exact.
 */
class LoopRunnerTest {
  private final ManualMonoClock clock = new ManualMonoClock();
  private final List<Long> ranAtMs = new ArrayList<>();
  private final long startMs = clock.millis();

  private long sinceStartMs() {
    return clock.millis() - startMs;
  }

  private LoopRunner runner(
      LoopRunner.Schedule schedule, AtomicBoolean when, LoopRunner.Step step) {
    return new LoopRunner("test-loop", clock, Runnable::run, schedule, when::get, step);
  }

  @Test
  void stepsRunEveryIntervalAfterTheFirstDelay() {
    LoopRunner r =
        runner(
            LoopRunner.Schedule.every(100, 1_000).withFirstDelayMs(0),
            new AtomicBoolean(true),
            () -> ranAtMs.add(sinceStartMs()));
    r.start();
    clock.advance(350);
    assertEquals(List.of(0L, 100L, 200L, 300L), ranAtMs);
    assertEquals(1, clock.pending(), "one step scheduled at a time");
  }

  @Test
  void aFalseConditionSkipsTheStepAndKeepsTheInterval() {
    AtomicBoolean leader = new AtomicBoolean(false);
    LoopRunner r =
        runner(LoopRunner.Schedule.every(100, 1_000), leader, () -> ranAtMs.add(sinceStartMs()));
    r.start();
    clock.advance(250);
    assertEquals(List.of(), ranAtMs);
    leader.set(true);
    clock.advance(100);
    assertEquals(List.of(300L), ranAtMs);
  }

  @Test
  void failuresBackOffUpToTheCapAndASuccessResets() {
    int[] failing = {5};
    LoopRunner r =
        runner(
            LoopRunner.Schedule.every(100, 500),
            new AtomicBoolean(true),
            () -> {
              ranAtMs.add(sinceStartMs());
              if (failing[0]-- > 0) {
                throw new IOException("no leader");
              }
            });
    r.start();
    clock.advance(100);
    assertEquals(1, r.failures());
    clock.advance(10_000);
    // waits after failures 1..5: 200, 400, 500 (cap), 500, 500; then a success and 100s again
    assertEquals(100L, ranAtMs.get(0));
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < 9; i++) {
      gaps.add(ranAtMs.get(i) - ranAtMs.get(i - 1));
    }
    assertEquals(List.of(200L, 400L, 500L, 500L, 500L, 100L, 100L, 100L), gaps);
    assertEquals(0, r.failures());
  }

  @Test
  void aRuntimeFailureOrAThrowingConditionIsAFailureToo() {
    LoopRunner r =
        new LoopRunner(
            "test-loop",
            clock,
            Runnable::run,
            LoopRunner.Schedule.every(100, 800),
            () -> {
              throw new IllegalStateException("no division");
            },
            () -> ranAtMs.add(sinceStartMs()));
    r.start();
    clock.advance(100 + 200 + 400);
    assertEquals(3, r.failures());
    assertEquals(List.of(), ranAtMs);
  }

  @Test
  void noStepRunsAfterClose() {
    LoopRunner r =
        runner(
            LoopRunner.Schedule.every(100, 1_000),
            new AtomicBoolean(true),
            () -> ranAtMs.add(sinceStartMs()));
    r.start();
    clock.advance(200);
    r.close();
    clock.advance(1_000);
    assertEquals(List.of(100L, 200L), ranAtMs);
    assertEquals(0, clock.pending());
  }

  @Test
  void closeInterruptsARunningStepAndItsFailureIsNotCounted() throws Exception {
    CountDownLatch inStep = new CountDownLatch(1);
    CountDownLatch stepEnded = new CountDownLatch(1);
    LoopRunner r =
        LoopRunner.onVirtualThreads(
            "test-loop",
            clock,
            LoopRunner.Schedule.every(100, 1_000),
            () -> true,
            () -> {
              inStep.countDown();
              try {
                Thread.sleep(60_000);
              } finally {
                stepEnded.countDown();
              }
            });
    r.start();
    clock.advance(100);
    assertEquals(true, inStep.await(10, TimeUnit.SECONDS));
    r.close();
    assertEquals(true, stepEnded.await(10, TimeUnit.SECONDS));
    assertEquals(0, r.failures());
    assertEquals(0, clock.pending());
  }

  @Test
  void aRunnerStartsOnceAndSchedulesAreChecked() {
    LoopRunner r = runner(LoopRunner.Schedule.every(100, 1_000), new AtomicBoolean(true), () -> {});
    r.start();
    assertThrows(IllegalStateException.class, r::start);
    assertThrows(IllegalArgumentException.class, () -> LoopRunner.Schedule.every(0, 100));
    assertThrows(IllegalArgumentException.class, () -> LoopRunner.Schedule.every(100, 50));
    assertThrows(
        IllegalArgumentException.class,
        () -> LoopRunner.Schedule.every(100, 100).withFirstDelayMs(-1));
  }
}
