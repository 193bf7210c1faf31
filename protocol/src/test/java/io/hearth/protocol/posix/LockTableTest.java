package io.hearth.protocol.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.posix.LockTable.Lock;
import io.hearth.protocol.posix.LockTable.Owner;
import io.hearth.protocol.posix.LockTable.Type;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** POSIX record locks as Linux keeps them, and a model-based random test of the table. */
class LockTableTest {
  private static final Owner A = new Owner(1, 10);
  private static final Owner B = new Owner(1, 11);
  private static final Owner C = new Owner(2, 10); // the same kernel id on another node

  private static Lock lock(Owner o, Type t, long start, long end) {
    return new Lock(o, t, start, end, 100);
  }

  @Test
  void readLocksShareAndWriteLocksExclude() {
    List<Lock> t = LockTable.apply(List.of(), lock(A, Type.READ, 0, 100));
    assertTrue(LockTable.conflict(t, lock(B, Type.READ, 50, 60)).isEmpty());
    assertEquals(Optional.of(t.get(0)), LockTable.conflict(t, lock(B, Type.WRITE, 99, 200)));
    assertTrue(LockTable.conflict(t, lock(B, Type.WRITE, 100, 200)).isEmpty(), "ends exclusive");
    assertTrue(LockTable.conflict(t, lock(A, Type.WRITE, 0, 100)).isEmpty(), "own locks never");
    assertEquals(Optional.of(t.get(0)), LockTable.conflict(t, lock(C, Type.WRITE, 0, 1)));
  }

  @Test
  void anUnlockInTheMiddleSplitsALockAndAnUpgradeReplacesItsRange() {
    List<Lock> t = LockTable.apply(List.of(), lock(A, Type.READ, 0, LockTable.TO_EOF));
    t = LockTable.apply(t, lock(A, Type.UNLOCK, 10, 20));
    assertEquals(List.of(lock(A, Type.READ, 0, 10), lock(A, Type.READ, 20, LockTable.TO_EOF)), t);
    t = LockTable.apply(t, lock(A, Type.WRITE, 5, 25));
    assertEquals(
        List.of(
            lock(A, Type.READ, 0, 5),
            lock(A, Type.WRITE, 5, 25),
            lock(A, Type.READ, 25, LockTable.TO_EOF)),
        t);
    t = LockTable.apply(t, lock(A, Type.READ, 5, 25));
    assertEquals(List.of(lock(A, Type.READ, 0, LockTable.TO_EOF)), t, "a downgrade merges back");
    assertEquals(List.of(), LockTable.releaseAll(t, A));
  }

  @Test
  void touchingLocksOfOneTypeMerge() {
    List<Lock> t = LockTable.apply(List.of(), lock(A, Type.WRITE, 0, 10));
    t = LockTable.apply(t, lock(A, Type.WRITE, 10, 20));
    t = LockTable.apply(t, lock(B, Type.WRITE, 20, 30));
    assertEquals(List.of(lock(A, Type.WRITE, 0, 20), lock(B, Type.WRITE, 20, 30)), t);
    assertEquals(
        List.of(lock(B, Type.WRITE, 20, 30)), LockTable.releaseSession(t.subList(1, 2), 2));
    assertEquals(List.of(), LockTable.releaseSession(t, 1));
  }

  /**
   * Random requests on a file of 32 bytes against a model that keeps, per byte and owner, the type
   * held: grants, conflicts and the canonical form must agree with it. The seed is printed.
   */
  @Test
  void theTableAgreesWithAByteModel() {
    long seed = System.nanoTime();
    System.out.println("LockTableTest seed " + seed);
    Random r = new Random(seed);
    Owner[] owners = {A, B, C, new Owner(3, 1)};
    for (int run = 0; run < 200; run++) {
      List<Lock> t = List.of();
      Type[][] model = new Type[owners.length][33]; // byte 32 stands for "to EOF" and beyond
      for (int step = 0; step < 60; step++) {
        int o = r.nextInt(owners.length);
        Type type = Type.values()[r.nextInt(3)];
        // finite ranges end by byte 32; byte 32 of the model stands for [32, EOF)
        boolean toEof = r.nextInt(6) == 0;
        int start = r.nextInt(toEof ? 33 : 32);
        int end = toEof ? 33 : start + 1 + r.nextInt(32 - start);
        Lock req =
            new Lock(owners[o], type, start, toEof ? LockTable.TO_EOF : Math.min(end, 33), 1);
        boolean modelConflict = false;
        for (int p = 0; p < owners.length && type != Type.UNLOCK; p++) {
          for (int b = start; b < Math.min(end, 33) && p != o; b++) {
            Type held = model[p][b];
            modelConflict |= held != null && (held == Type.WRITE || type == Type.WRITE);
          }
        }
        boolean conflict = LockTable.conflict(t, req).isPresent();
        assertEquals(modelConflict, conflict, "seed " + seed + " run " + run + " step " + step);
        if (conflict) {
          continue;
        }
        t = LockTable.apply(t, req);
        for (int b = start; b < Math.min(end, 33); b++) {
          model[o][b] = type == Type.UNLOCK ? null : type;
        }
        checkAgainst(t, model, owners, seed);
      }
    }
  }

  private static void checkAgainst(List<Lock> t, Type[][] model, Owner[] owners, long seed) {
    for (int o = 0; o < owners.length; o++) {
      List<Lock> mine = LockTable.of(t, owners[o]);
      for (int i = 1; i < mine.size(); i++) {
        Lock prev = mine.get(i - 1);
        Lock cur = mine.get(i);
        assertTrue(prev.end() <= cur.start(), "no overlap, seed " + seed);
        assertFalse(prev.end() == cur.start() && prev.type() == cur.type(), "merged, seed " + seed);
      }
      for (int b = 0; b < 33; b++) {
        Type held = null;
        for (Lock l : mine) {
          if (l.start() <= b && (l.end() > b)) {
            held = l.type();
          }
        }
        assertEquals(model[o][b], held, "owner " + o + " byte " + b + ", seed " + seed);
      }
    }
  }
}
