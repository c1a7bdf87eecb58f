global using NUnit.Framework;
global using Switchboard.Host.Verification;
