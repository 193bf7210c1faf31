package io.hearth.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hearth.protocol.Errno;
import io.hearth.protocol.Groups;
import io.hearth.protocol.meta.MetaRequest;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;

/** The text format as written: escaping, family rules, histogram buckets, op series. */
class ExpositionTest {
  @Test
  void labelValuesAndHelpAreEscaped() {
    PromText w = new PromText();
    w.family("x_total", PromText.Type.COUNTER, "a \\ back\nslash");
    w.sample("x_total", 3, "path", "a\"b\\c\nd", "k", "v");
    assertEquals(
        "# HELP x_total a \\\\ back\\nslash\n"
            + "# TYPE x_total counter\n"
            + "x_total{path=\"a\\\"b\\\\c\\nd\",k=\"v\"} 3\n",
        w.toString());
  }

  @Test
  void samplesBelongToTheFamilyBegunLast() {
    PromText w = new PromText();
    w.family("a", PromText.Type.GAUGE, "a");
    w.sample("a", 1.5);
    w.family("b", PromText.Type.GAUGE, "b");
    assertThrows(IllegalArgumentException.class, () -> w.sample("a", 1));
    assertThrows(IllegalArgumentException.class, () -> w.sample("b_count", 1));
    assertThrows(IllegalArgumentException.class, () -> w.family("a", PromText.Type.GAUGE, "a"));
    assertThrows(IllegalArgumentException.class, () -> w.sample("b", 1, "bad-label", "v"));
    assertThrows(IllegalArgumentException.class, () -> w.sample("b", 1, "odd"));
    w.sample("b", Double.NaN);
    assertTrue(w.toString().endsWith("a 1.5\n# HELP b b\n# TYPE b gauge\nb NaN\n"), w.toString());
  }

  @Test
  void histogramBucketsAreInclusiveAndCumulative() {
    LatencyHistogram h = new LatencyHistogram();
    h.observeNs(10_000); // exactly on the first bound: counts in le="0.00001"
    h.observeNs(10_001);
    h.observeNs(7_000_000_000L); // beyond the last bound
    h.observeNs(-5); // a clock step back counts as 0
    PromText w = new PromText();
    w.family("t_seconds", PromText.Type.HISTOGRAM, "t");
    h.write(w, "t_seconds", "op", "x");
    String out = w.toString();
    assertTrue(out.contains("t_seconds_bucket{op=\"x\",le=\"0.00001\"} 2\n"), out);
    assertTrue(out.contains("t_seconds_bucket{op=\"x\",le=\"0.000025\"} 3\n"), out);
    assertTrue(out.contains("t_seconds_bucket{op=\"x\",le=\"5\"} 3\n"), out);
    assertTrue(out.contains("t_seconds_bucket{op=\"x\",le=\"+Inf\"} 4\n"), out);
    assertTrue(out.contains("t_seconds_count{op=\"x\"} 4\n"), out);
    assertTrue(out.contains("t_seconds_sum{op=\"x\"} 7.000020001\n"), out);
    assertEquals(4, h.count());
  }

  @Test
  void opStatsCountByOpKindAndErrno() {
    AtomicLong now = new AtomicLong(1_000);
    OpStats s = new OpStats(now::get);
    long t = s.startNs();
    now.addAndGet(2_000_000);
    s.record(MetaRequest.OpCase.MKDIR, true, 0, t);
    s.record(MetaRequest.OpCase.MKDIR, true, Errno.EEXIST.code(), s.startNs());
    s.record(MetaRequest.OpCase.READ_MAP, false, 0, s.startNs());
    s.bytesWritten(10);
    PromText w = new PromText();
    OpStats.write(w, "hearth_meta", "namespace operations", Map.of("meta", s));
    OpStats.writeBytes(w, Map.of("meta", s));
    String out = w.toString();
    assertTrue(
        out.contains("hearth_meta_ops_total{group=\"meta\",op=\"mkdir\",kind=\"write\"} 2\n"), out);
    assertTrue(
        out.contains("hearth_meta_ops_total{group=\"meta\",op=\"read_map\",kind=\"read\"} 1\n"),
        out);
    assertTrue(
        out.contains(
            "hearth_meta_op_errors_total{group=\"meta\",op=\"mkdir\",kind=\"write\",errno=\"EEXIST\"}"
                + " 1\n"),
        out);
    assertTrue(
        out.contains(
            "hearth_meta_op_seconds_bucket{group=\"meta\",op=\"mkdir\",kind=\"write\",le=\"0.001\"}"
                + " 1\n"),
        out);
    assertTrue(out.contains("hearth_data_written_bytes_total{group=\"meta\"} 10\n"), out);
  }

  @Test
  void groupNamesComeFromTheirIds() {
    assertEquals("meta", GroupState.name(RaftGroupId.valueOf(Groups.META)));
    assertEquals("data-0", GroupState.name(RaftGroupId.valueOf(Groups.data(0))));
    assertEquals("data-41", GroupState.name(RaftGroupId.valueOf(Groups.data(41))));
    UUID other = UUID.randomUUID();
    assertEquals(other.toString(), GroupState.name(RaftGroupId.valueOf(other)));
    assertEquals(-1, Groups.dataNumber(Groups.META));
    assertEquals(Integer.MAX_VALUE, Groups.dataNumber(Groups.data(Integer.MAX_VALUE)));
  }
}
