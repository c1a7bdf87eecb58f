namespace Switchboard.Host.Verification;

/// <summary>Rule ids: stable names that tools, tests and vendors can search for.</summary>
public static class Rules
{
    // Image and metadata shape.
    public const string BadImage = "bad-image";
    public const string MixedMode = "mixed-mode";
    public const string MultiModule = "multi-module";
    public const string FriendName = "friend-assembly-name";
    // References and the allow-list.
    public const string AssemblyNotAllowed = "assembly-not-allowed";
    public const string ApiNotAllowed = "api-not-allowed";
    public const string SdkNotPublic = "sdk-not-public";
    public const string NotPublic = "not-public";
    public const string Reflection = "reflection";
    public const string Emit = "emit";
    public const string LoadContext = "load-context";
    public const string Threading = "threading";
    public const string Io = "io";
    public const string ProcessExit = "process-exit";
    public const string UnsafeApi = "unsafe-api";
    public const string Interop = "interop";
    public const string SpanFromRef = "span-from-ref";
    // Type and member definitions.
    public const string Pointer = "pointer";
    public const string FunctionPointer = "function-pointer";
    public const string TypedReference = "typed-reference";
    public const string PinnedLocal = "pinned-local";
    public const string RefField = "ref-field";
    public const string ExplicitLayout = "explicit-layout";
    public const string FixedBuffer = "fixed-buffer";
    public const string SkipLocalsInit = "skip-locals-init";
    public const string PInvoke = "pinvoke";
    public const string UnsafeAccessor = "unsafe-accessor";
    public const string IgnoresAccessChecks = "ignores-access-checks";
    public const string Finalizer = "finalizer";
    public const string ModuleInitializer = "module-initializer";
    public const string UnverifiableCode = "unverifiable-code";
    // Opcodes.
    public const string ForbiddenOpcode = "forbidden-opcode";
    public const string FunctionPointerLoad = "ldftn-outside-delegate";
    public const string BadIl = "bad-il";
    // Call graph.
    public const string Recursion = "recursion";
    // Type flow (ECMA-335 III.1.8).
    public const string StackUnderflow = "stack-underflow";
    public const string StackOverflow = "stack-overflow";
    public const string StackMerge = "stack-merge";
    public const string StackType = "stack-type";
    public const string BranchTarget = "branch-target";
    public const string ExceptionRegion = "exception-region";
    public const string ReturnType = "return-type";
    public const string FallThrough = "fall-through";
    public const string ByRefEscape = "byref-escape";
    public const string ReadOnlyWrite = "readonly-write";
    public const string Uninitialised = "uninitialised";
}
