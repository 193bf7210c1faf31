package io.hearth.server.cluster;

import io.hearth.protocol.meta.ClusterMap;
import io.hearth.server.config.Peer;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the mover learned at the start of one step, before it decides anything: the decision ({@link
 * MovePlan}) is a pure function of these facts.
 *
 * @param map the cluster map as the meta group has it; null before the first one is written
 * @param initialPeers the configured peers of a server that formed the cluster (the first map is
 *     theirs); empty on a server that joined
 * @param survey the members' stats of their replicas
 * @param voters for each group with a move under way, its voters' ids as a member reported them;
 *     absent when no member answered
 * @param joinerHosts the groups with a move under way whose joining node hosts the group already
 *     (its reconciler added it), asked only of groups that have not added it as a voter yet
 */
record MoveFacts(
    ClusterMap map,
    List<Peer> initialPeers,
    Survey survey,
    Map<Integer, Set<String>> voters,
    Set<Integer> joinerHosts) {}
