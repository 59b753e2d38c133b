// A hello worker for the java stacks (java-17, java-21), run as a single source file (`java Main.java`).
// Dockhand hands the task its payload in the file named by PAYLOAD_FILE; JSON written to RESULT_FILE
// becomes the task's result; stdout is its log.
//   dockhand run examples/hello-java --stack java-21 --payload '{"name":"you"}'
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Main {
  public static void main(String[] args) throws Exception {
    String payload = Files.readString(Path.of(System.getenv("PAYLOAD_FILE")));
    // The JDK has no JSON parser; a pattern is enough for one string field.
    Matcher name = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]*)\"").matcher(payload);
    String greeting = "Hello, " + (name.find() ? name.group(1) : "world") + "!";
    System.out.println(greeting);
    System.out.println("java " + System.getProperty("java.version"));
    Files.writeString(Path.of(System.getenv("RESULT_FILE")), "{\"greeting\": \"" + greeting.replace("\"", "\\\"") + "\"}");
  }
}
