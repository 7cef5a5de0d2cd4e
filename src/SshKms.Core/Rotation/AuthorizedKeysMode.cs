namespace SshKms.Core.Rotation
{
    /// <summary>What the node-side script does to authorized_keys.</summary>
    public enum AuthorizedKeysMode
    {
        /// <summary>Add the key line (replacing a line with the same tag); other lines stay.</summary>
        Add,

        /// <summary>Remove the lines with exactly this tag (a failed test takes the pending key back).</summary>
        Remove,

        /// <summary>
        /// Remove every line of this secret except the one with this tag (finishSecret). Exits 5 and changes
        /// nothing when no line carries the tag: removing the others would leave the node no key of this secret.
        /// </summary>
        KeepOnly,

        /// <summary>Exit 0 when the key line with this tag is present, 3 when not (testSecret over SSM).</summary>
        Check,
    }
}
