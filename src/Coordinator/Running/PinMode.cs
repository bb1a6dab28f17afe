namespace IpcKit.Coordinator.Running;

/// <summary>How the two communicating threads are placed on CPUs.</summary>
internal enum PinMode
{
    /// <summary>Not pinned: the scheduler decides, and may move them between runs (figures swing).</summary>
    None,

    /// <summary>Both on one CPU: a wake-up never crosses CPUs; a spinning peer starves the other.</summary>
    Same,

    /// <summary>On two different CPUs: every wake-up crosses CPUs; what spinning transports need.</summary>
    Split,
}
