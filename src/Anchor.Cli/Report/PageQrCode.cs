using QRCoder;

namespace Anchor.Cli.Report;

/// <summary>The QR code of the verification page's address, as a PNG, the same in the PDF and the HTML report.</summary>
public static class PageQrCode
{
    public static byte[] Png(string url)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(url, QRCodeGenerator.ECCLevel.M);
        // RGBA: PDFsharp's PNG importer (BigGustave) refuses the 1-bit palette PNG that QRCoder writes by default
        // ("Unsupported image format"), and reads 8-bit RGBA.
        return new PngByteQRCode(data).GetGraphic(8, [0, 0, 0, 255], [255, 255, 255, 255]);
    }
}
