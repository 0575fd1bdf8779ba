using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Anchor.Core.Signatures;

/// <summary>
/// A private key of any scheme: generation, signing, and the JSON key file that <c>anchor keygen</c> writes:
/// <c>{ "alg", "privateKey": base64, "publicKey" | "address" }</c>. The private key is the 32-byte seed for ed25519,
/// the 32-byte secret for eth-personal and PKCS#8 DER for the others, so other tools can import it. The public part
/// is redundant and, when present, must match the private key: a file whose halves disagree was damaged or mixed up.
/// Reading the file from disk is the caller's job (Anchor.Core does no I/O).
/// </summary>
public sealed class SigningKey : IDisposable
{
    /// <summary>Indented, and base64 written as it is: the default encoder would turn every '+' into \u002B.</summary>
    private static readonly JsonSerializerOptions KeyFileFormat = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ISchemePrivateKey key;

    private SigningKey(ISchemePrivateKey key) => this.key = key;

    public SignatureAlg Alg => key.Descriptor.Alg;

    /// <summary>The public half in wire form, ready for the admin API or a <see cref="SignatureVerifier"/>.</summary>
    public KeyDescriptor Descriptor => key.Descriptor;

    public static SigningKey Generate(SignatureAlg alg) => new(alg switch
    {
        SignatureAlg.Ed25519 => Ed25519PrivateKey.Generate(),
        SignatureAlg.EcdsaP256Sha256 => EcdsaP256PrivateKey.Generate(),
        SignatureAlg.RsaPkcs1Sha256 => RsaPkcs1PrivateKey.Generate(),
        SignatureAlg.Sm2Sm3 => Sm2PrivateKey.Generate(),
        SignatureAlg.EthPersonal => EthPersonalPrivateKey.Generate(),
        _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "not a signature algorithm"),
    });

    /// <summary>Imports the bare private key in its <c>privateKey</c> form (see the class summary).</summary>
    public static bool TryFromPrivateKey(SignatureAlg alg, ReadOnlySpan<byte> privateKey, [NotNullWhen(true)] out SigningKey? signingKey, out string error)
    {
        signingKey = null;
        ISchemePrivateKey? key;
        var imported = alg switch
        {
            SignatureAlg.Ed25519 => Ed25519PrivateKey.TryImport(privateKey, out key, out error),
            SignatureAlg.EcdsaP256Sha256 => EcdsaP256PrivateKey.TryImport(privateKey, out key, out error),
            SignatureAlg.RsaPkcs1Sha256 => RsaPkcs1PrivateKey.TryImport(privateKey, out key, out error),
            SignatureAlg.Sm2Sm3 => Sm2PrivateKey.TryImport(privateKey, out key, out error),
            SignatureAlg.EthPersonal => EthPersonalPrivateKey.TryImport(privateKey, out key, out error),
            _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "not a signature algorithm"),
        };
        if (!imported) return false;
        signingKey = new SigningKey(key!);
        return true;
    }

    /// <summary>Reads a key file's JSON text; <paramref name="error"/> says what is wrong without quoting secret material.</summary>
    public static bool TryImport(string keyFileJson, [NotNullWhen(true)] out SigningKey? signingKey, out string error)
    {
        signingKey = null;
        JsonObject? json;
        try
        {
            json = JsonNode.Parse(keyFileJson) as JsonObject;
        }
        catch (JsonException)
        {
            json = null;
        }
        if (json is null)
        {
            error = "the key file is not a JSON object";
            return false;
        }
        if (!KeyDescriptor.TryFromJson(json, out var stated, out error))
        {
            error = $"the key file's {error}";
            return false;
        }
        if (!json.TryGetPropertyValue("privateKey", out var node) || node is not JsonValue value || !value.TryGetValue<string>(out var base64))
        {
            error = "the key file has no privateKey string";
            return false;
        }
        var secret = new byte[base64.Length * 3 / 4];
        try
        {
            if (!Convert.TryFromBase64String(base64, secret, out var written))
            {
                error = "the key file's privateKey is not base64";
                return false;
            }
            if (!TryFromPrivateKey(stated.Alg, secret.AsSpan(0, written), out signingKey, out error)) return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
        if (!PublicPartMatches(stated, signingKey.Descriptor))
        {
            signingKey.Dispose();
            signingKey = null;
            error = "the key file's public part does not belong to its private key";
            return false;
        }
        return true;
    }

    /// <exception cref="FormatException">The text is not a valid key file; the message says why.</exception>
    public static SigningKey Import(string keyFileJson) =>
        TryImport(keyFileJson, out var key, out var error) ? key : throw new FormatException(error);

    /// <summary>The key file JSON (indented, members in a fixed order). It holds the private key: store it as a secret.</summary>
    public string Export()
    {
        var json = Descriptor.ToJson();
        var privateKey = key.ExportPrivateKey();
        try
        {
            json.Insert(1, "privateKey", Convert.ToBase64String(privateKey));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
        return json.ToJsonString(KeyFileFormat) + "\n";
    }

    public byte[] Sign(ReadOnlySpan<byte> message) => key.Sign(message);

    public void Dispose() => key.Dispose();

    /// <summary>Compares only what the file states (a file may omit its public part), by bytes rather than spelling.</summary>
    private static bool PublicPartMatches(KeyDescriptor stated, KeyDescriptor derived)
    {
        if (stated.Certificates is not null) return false;
        if (stated.PublicKey is not null && !SameBase64(stated.PublicKey, derived.PublicKey)) return false;
        if (stated.Address is not null && !SameAddress(stated.Address, derived.Address)) return false;
        return true;
    }

    private static bool SameBase64(string stated, string? derived) =>
        derived is not null
        && StandardBase64.TryDecode(stated, out var a)
        && StandardBase64.TryDecode(derived, out var b)
        && a.AsSpan().SequenceEqual(b);

    private static bool SameAddress(string stated, string? derived) =>
        derived is not null
        && EthereumAddress.TryParse(stated, out var a, out _)
        && EthereumAddress.TryParse(derived, out var b, out _)
        && a.AsSpan().SequenceEqual(b);
}
