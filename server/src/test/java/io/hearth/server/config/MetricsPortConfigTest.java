package io.hearth.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** metrics.port: its default follows the gRPC port, 0 turns it off, bad values stop the start. */
class MetricsPortConfigTest {
  private static ServerConfig load(String peers, String metricsPort) throws Exception {
    Map<String, String> flags = new HashMap<>();
    flags.put("node.id", "n1");
    flags.put("data.dir", "/tmp/unused");
    flags.put("peers", peers);
    flags.put("metrics.port", metricsPort);
    return ServerConfig.load(null, flags);
  }

  @Test
  void defaultIsTheGrpcPortPlus2000() throws Exception {
    assertEquals(11860, load("n1@127.0.0.1:9860", null).metricsPort());
    assertEquals(9999, load("n1@127.0.0.1:9860", "9999").metricsPort());
    assertEquals(0, load("n1@127.0.0.1:9860", "0").metricsPort());
  }

  @Test
  void badValuesFailTheLoadNamingTheKey() {
    for (String bad : new String[] {"x", "-1", "65536"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> load("n1@127.0.0.1:9860", bad));
      assertTrue(e.getMessage().contains("metrics.port"), e.getMessage());
    }
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> load("n1@127.0.0.1:9860", "10860"))
            .getMessage()
            .contains("stream port"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> load("n1@h:64000:64001", null))
            .getMessage()
            .contains("set metrics.port"));
  }
}
