package io.hearth.cli;

import io.hearth.cli.admin.DataSurvey;
import io.hearth.cli.admin.Membership;
import io.hearth.protocol.Maps;
import io.hearth.protocol.data.DataStat;
import io.hearth.protocol.meta.GroupInfo;
import io.hearth.protocol.meta.NodeInfo;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The nodes and data groups part of {@code hearth admin status}: tables and JSON. */
final class DataTables {
  private DataTables() {}

  static void print(DataSurvey d, PrintWriter out) {
    out.println();
    String row = "%-8s %-22s %-9s %6s %10s %10s %10s  %s%n";
    out.printf(
        row, "NODE", "ADDRESS", "STATE", "GROUPS", "BLOCKS", "USED", "AVAILABLE", "REACHABLE");
    for (NodeInfo n : d.map().getNodesList()) {
      Optional<DataStat> st = d.nodeStat(n.getId());
      int groups = Maps.groupsOf(d.map(), n.getId()).size();
      out.printf(
          row,
          n.getId(),
          n.getAddress(),
          n.getState().name().toLowerCase(),
          groups,
          st.map(x -> String.valueOf(x.getBlocks())).orElse("-"),
          st.map(x -> human(x.getBlockBytes())).orElse("-"),
          st.map(x -> human(x.getAvailableBytes())).orElse("-"),
          groups == 0 ? "-" : st.isPresent() ? "yes" : "NO");
    }
    out.println();
    String grow = "%-6s %-30s %-20s %8s  %s%n";
    out.printf(grow, "GROUP", "MEMBERS", "MOVE", "BLOCKS", "MISSING");
    for (GroupInfo g : d.map().getGroupsList()) {
      List<String> members = new ArrayList<>();
      List<String> missing = new ArrayList<>();
      for (var e : d.of(g.getNumber()).entrySet()) {
        DataSurvey.Replica r = e.getValue();
        members.add(e.getKey() + (r.isLeader() ? "*" : "") + (r.reachable() ? "" : "(down)"));
        if (r.reachable() && r.stat().getMissingBlocks() > 0) {
          missing.add(e.getKey() + ":" + r.stat().getMissingBlocks());
        }
      }
      String move =
          g.getJoining().isEmpty()
              ? "-"
              : (g.getLeaving().isEmpty() ? "+" : g.getLeaving() + "->") + g.getJoining();
      out.printf(
          grow,
          g.getNumber(),
          String.join(",", members),
          move,
          d.blocks(g.getNumber()),
          missing.isEmpty() ? "-" : String.join(" ", missing));
    }
    out.printf(
        "%nunder-replicated blocks: %d%s%n",
        d.underReplicated(Membership.REPLICAS),
        d.map().getRebalancing() ? "; rebalance under way" : "");
  }

  static String json(DataSurvey d) {
    StringBuilder b = new StringBuilder();
    Json.field(b, "mapEpoch", d.map().getEpoch()).append(',');
    Json.field(b, "underReplicatedBlocks", d.underReplicated(Membership.REPLICAS)).append(',');
    Json.field(b, "rebalancing", d.map().getRebalancing()).append(",\"nodes\":[");
    String sep = "";
    for (NodeInfo n : d.map().getNodesList()) {
      Optional<DataStat> st = d.nodeStat(n.getId());
      b.append(sep).append('{');
      sep = ",";
      Json.field(b, "id", n.getId()).append(',');
      Json.field(b, "address", n.getAddress()).append(',');
      Json.field(b, "state", n.getState().name().toLowerCase()).append(',');
      Json.field(b, "groups", Maps.groupsOf(d.map(), n.getId()).size()).append(',');
      Json.field(b, "reachable", st.isPresent()).append(',');
      Json.field(b, "blocks", st.map(DataStat::getBlocks).orElse(null)).append(',');
      Json.field(b, "blockBytes", st.map(DataStat::getBlockBytes).orElse(null)).append(',');
      Json.field(b, "totalBytes", st.map(DataStat::getTotalBytes).orElse(null)).append(',');
      Json.field(b, "availableBytes", st.map(DataStat::getAvailableBytes).orElse(null));
      b.append('}');
    }
    b.append("],\"groups\":[");
    sep = "";
    for (GroupInfo g : d.map().getGroupsList()) {
      b.append(sep).append('{');
      sep = ",";
      Json.field(b, "number", g.getNumber()).append(',');
      Json.field(b, "joining", g.getJoining().isEmpty() ? null : g.getJoining()).append(',');
      Json.field(b, "leaving", g.getLeaving().isEmpty() ? null : g.getLeaving()).append(',');
      Json.field(b, "blocks", d.blocks(g.getNumber())).append(',');
      Json.field(b, "underReplicated", d.underReplicated(g.getNumber(), Membership.REPLICAS));
      b.append(",\"members\":[");
      String msep = "";
      for (var e : d.of(g.getNumber()).entrySet()) {
        DataSurvey.Replica r = e.getValue();
        b.append(msep).append('{');
        msep = ",";
        Json.field(b, "id", e.getKey()).append(',');
        Json.field(b, "voter", g.getMembersList().contains(e.getKey())).append(',');
        Json.field(b, "role", r.role()).append(',');
        Json.field(b, "reachable", r.reachable()).append(',');
        Json.field(b, "appliedIndex", r.reachable() ? r.stat().getAppliedIndex() : null)
            .append(',');
        Json.field(b, "missingBlocks", r.reachable() ? r.stat().getMissingBlocks() : null)
            .append(',');
        Json.field(b, "error", r.error());
        b.append('}');
      }
      b.append("]}");
    }
    return b.append(']').toString();
  }

  private static String human(long bytes) {
    String[] units = {"B", "K", "M", "G", "T", "P"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + "B" : String.format(java.util.Locale.ROOT, "%.1f%s", v, units[u]);
  }
}
