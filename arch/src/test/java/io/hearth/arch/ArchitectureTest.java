package io.hearth.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md as a test. Data flows one way: FUSE bridge -> client API
 * (facade, file layer) -> meta and block clients -> RPC floor -> servers, with protocol/ shared by
 * all. Each rule fails the build when a change reaches past the layer below it.
 */
class ArchitectureTest {
  private static JavaClasses all;

  @BeforeAll
  static void importMainClasses() {
    all =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.hearth");
  }

  @Test
  void theClientHasNoImportCycle() {
    SlicesRuleDefinition.slices()
        .assignedFrom(clientPackages())
        .should()
        .beFreeOfCycles()
        .check(all);
  }

  /** Each package of the client library a slice: the facade (io.hearth.client) and each below. */
  private static SliceAssignment clientPackages() {
    return new SliceAssignment() {
      @Override
      public SliceIdentifier getIdentifierOf(JavaClass c) {
        String p = c.getPackageName();
        if (p.equals("io.hearth.client")) {
          return SliceIdentifier.of("facade");
        }
        if (p.startsWith("io.hearth.client.")) {
          return SliceIdentifier.of(p.substring("io.hearth.client.".length()).split("\\.")[0]);
        }
        return SliceIdentifier.ignore();
      }

      @Override
      public String getDescription() {
        return "packages of the client library";
      }
    };
  }

  @Test
  void theBlockClientDoesNotReachIntoTheMetaClient() {
    noClasses()
        .that()
        .resideInAPackage("io.hearth.client.data..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.hearth.client.meta..")
        .check(all);
  }

  @Test
  void theFileLayerDoesNotCallTheApiFacade() {
    noClasses()
        .that()
        .resideInAPackage("io.hearth.client.vfs..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.hearth.client")
        .check(all);
  }

  @Test
  void theBridgeUsesOnlyTheClientApiAndTheProtocol() {
    classes()
        .that()
        .resideInAPackage("io.hearth.fuse..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "io.hearth.fuse..",
            "io.hearth.client",
            "io.hearth.protocol..",
            "java..",
            "javax..",
            "jdk..",
            "com.sun.security.auth..",
            "org.slf4j..",
            "picocli..")
        .check(all);
  }

  @Test
  void serversAndClientsNeverCallEachOther() {
    noClasses()
        .that()
        .resideInAPackage("io.hearth.server..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.hearth.client..", "io.hearth.cli..", "io.hearth.fuse..")
        .check(all);
    noClasses()
        .that()
        .resideInAnyPackage("io.hearth.client..", "io.hearth.cli..", "io.hearth.fuse..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.hearth.server..")
        .check(all);
  }

  @Test
  void theFloorsDependOnNothingAboveThem() {
    noClasses()
        .that()
        .resideInAPackage("io.hearth.rpc..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.hearth.client..", "io.hearth.cli..", "io.hearth.server..", "io.hearth.fuse..")
        .check(all);
    classes()
        .that()
        .resideInAPackage("io.hearth.protocol..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("io.hearth.protocol..", "java..", "com.google.protobuf..")
        .check(all);
  }

  @Test
  void onlyTheRpcFloorBuildsRaftClients() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.hearth.rpc..")
        .should()
        .callMethod(org.apache.ratis.client.RaftClient.class, "newBuilder")
        .check(all);
  }

  @Test
  void theLibraryBringsNoCliAndNoLoggingBinding() {
    noClasses()
        .that()
        .resideInAnyPackage("io.hearth.client..", "io.hearth.rpc..", "io.hearth.protocol..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("picocli..", "ch.qos.logback..", "org.slf4j.simple..")
        .check(all);
  }
}
