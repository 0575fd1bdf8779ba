namespace Anchor.Grains;

/// <summary>A silo's key cache, told by a provider grain of every change to that provider's keys.</summary>
public interface IProviderKeysObserver : IGrainObserver
{
    /// <summary>Completes once the cache no longer holds what it had for <paramref name="provider"/>.</summary>
    Task Changed(string provider);
}
