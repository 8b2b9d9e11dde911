<#
.SYNOPSIS
    Installs crashsig.exe on an IIS host and schedules the crash scan: every 5 minutes, as a
    least-privileged account, report each new .NET crash of the Application log once, with
    the IIS application pool, hangs and Rapid-Fail Protection outages the System log adds.

.DESCRIPTION
    Run as an administrator, from the folder that holds crashsig.exe and crashsig-scan.xml
    (the dist/ folder of a release).  It:
      1. copies crashsig.exe and alert.cmd to C:\Program Files\crashsig (writable by
         administrators only, so the task's account cannot replace the program it runs);
      2. creates the account the task runs as, unless it exists: a local user "crashsig" with a
         random 32-character password that is never shown or stored (Task Scheduler keeps it).
         -Account 'DOMAIN\name$' uses a group managed service account instead (no password),
         -Account LocalService the built-in LOCAL SERVICE account;
      3. adds that account to the built-in group Event Log Readers (found by its SID,
         S-1-5-32-573, so it works on every display language), which may read the
         Application, System and ForwardedEvents logs, and to no other group;
      4. creates C:\ProgramData\crashsig, where the state and the reports live, readable and
         writable by the account, administrators and SYSTEM only (ProgramData would otherwise
         let every user create files in it);
      5. optionally (-FirstRunSince, default 24h) runs the first scan itself with --since, so
         the task's first run does not report every crash the log has ever held;
      6. registers the task \crashsig\Crash scan from crashsig-scan.xml, with the paths,
         channel and interval given here, and with -WithAlertTask also \crashsig\Crash alert
         (crashsig-alert.xml), which runs alert.cmd when a scan ends with result 1 or 2.
    docs/scheduled-task.md explains each choice.  -Uninstall removes the tasks and the program
    (the data folder and the account stay unless -RemoveData / -RemoveAccount are given).

.EXAMPLE
    .\install-crashsig-task.ps1
.EXAMPLE
    .\install-crashsig-task.ps1 -Account 'CONTOSO\crashsig-gmsa$' -FirstRunSince 7d -WithAlertTask
.EXAMPLE
    .\install-crashsig-task.ps1 -Uninstall -RemoveData -RemoveAccount
#>
[CmdletBinding()]
param(
    [string]$SourceDir = $PSScriptRoot,
    [string]$InstallDir = (Join-Path $env:ProgramFiles 'crashsig'),
    [string]$DataDir = (Join-Path $env:ProgramData 'crashsig'),
    [string]$Account = 'crashsig',
    # the logs scanned together: System names the IIS pool of each crash (docs/report-format.md)
    [ValidateSet('Application', 'System', 'ForwardedEvents')]
    [string[]]$Channel = @('System', 'Application'),
    [ValidateRange(1, 1440)]
    [int]$IntervalMinutes = 5,
    # --since for the first run: '24h', '7d', an ISO 8601 date; '' reports the whole log once
    [string]$FirstRunSince = '24h',
    [switch]$WithAlertTask,
    [switch]$Uninstall,
    [switch]$RemoveData,
    [switch]$RemoveAccount
)

Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'

$TaskPath = '\crashsig\'
$ScanTask = 'Crash scan'
$AlertTask = 'Crash alert'
$EventLogReadersSid = 'S-1-5-32-573'
$TaskNamespace = 'http://schemas.microsoft.com/windows/2004/02/mit/task'

function Assert-Administrator {
    $me = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()
    if (-not $me.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
        throw 'Run this script as an administrator (an elevated PowerShell).'
    }
}

# What kind of account -Account names: a local user to create or reuse, a gMSA, LOCAL SERVICE.
function Get-AccountKind([string]$Name) {
    if ($Name -eq 'LocalService' -or $Name -eq 'NT AUTHORITY\LOCAL SERVICE') { return 'LocalService' }
    if ($Name.EndsWith('$')) { return 'Gmsa' }
    return 'User'
}

function New-RandomPassword {
    $bytes = New-Object byte[] 24
    [Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($bytes)
    return [Convert]::ToBase64String($bytes) # 32 characters, mixed case, digits, symbols
}

# Returns the password to register the task with ($null when the account needs none).
function Initialize-Account([string]$Name, [string]$Kind) {
    if ($Kind -ne 'User') { return $null }
    if ($Name.Contains('\') -or (Get-LocalUser -Name $Name -ErrorAction SilentlyContinue)) {
        $secure = Read-Host "Password of the existing account $Name" -AsSecureString
        return [Net.NetworkCredential]::new('', $secure).Password
    }
    $password = New-RandomPassword
    $secure = ConvertTo-SecureString $password -AsPlainText -Force
    New-LocalUser -Name $Name -Password $secure -PasswordNeverExpires -UserMayNotChangePassword `
        -AccountNeverExpires -Description 'Runs the crashsig crash scan (scheduled task)' | Out-Null
    Write-Host "Created the local account $Name (member of no group but Event Log Readers)."
    return $password
}

function Add-EventLogReader([string]$Name, [string]$Kind) {
    $member = if ($Kind -eq 'LocalService') { 'S-1-5-19' } else { $Name }
    try {
        Add-LocalGroupMember -SID $EventLogReadersSid -Member $member
    } catch [Microsoft.PowerShell.Commands.MemberExistsException] {
        # already a member
    }
}

# Program Files keeps its inherited ACL: everyone may run crashsig.exe, only admins replace it.
function Install-Program {
    New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
    Copy-Item -Force (Join-Path $SourceDir 'crashsig.exe') (Join-Path $InstallDir 'crashsig.exe')
    Copy-Item -Force (Join-Path $SourceDir 'alert.cmd') (Join-Path $InstallDir 'alert.cmd')
}

# The data folder: no inherited entries (ProgramData lets Users create files), full control for
# SYSTEM and Administrators, Modify for the task's account.
function Initialize-DataDir([string]$Name, [string]$Kind) {
    New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
    $identity = if ($Kind -eq 'LocalService') { 'NT AUTHORITY\LOCAL SERVICE' } else { $Name }
    $acl = New-Object Security.AccessControl.DirectorySecurity
    $acl.SetAccessRuleProtection($true, $false)
    $inherit = 'ContainerInherit, ObjectInherit'
    foreach ($rule in @(
            @('NT AUTHORITY\SYSTEM', 'FullControl'),
            @('BUILTIN\Administrators', 'FullControl'),
            @($identity, 'Modify'))) {
        $acl.AddAccessRule((New-Object Security.AccessControl.FileSystemAccessRule(
                    $rule[0], $rule[1], $inherit, 'None', 'Allow')))
    }
    Set-Acl -Path $DataDir -AclObject $acl
}

function Get-ScanArguments {
    $state = Join-Path $DataDir 'state.json'
    $jsonl = Join-Path $DataDir 'new-incidents.jsonl'
    $json = Join-Path $DataDir 'last-run.json'
    $live = ($Channel | ForEach-Object { "--live $_" }) -join ' '
    return "scan $live --state `"$state`" --format jsonl --output `"$jsonl`" --output-json `"$json`""
}

# The first run, here and now, with --since: it records everything the log holds in the state
# and reports only the crashes of the last -FirstRunSince, so the task starts from today.
function Invoke-FirstRun {
    if ($FirstRunSince -eq '') { return }
    $exe = Join-Path $InstallDir 'crashsig.exe'
    $arguments = (Get-ScanArguments) + " --since $FirstRunSince --fail-on none"
    Write-Host "First scan: crashsig $arguments"
    $run = Start-Process -FilePath $exe -ArgumentList $arguments -NoNewWindow -Wait -PassThru
    if ($run.ExitCode -ne 0) {
        throw "The first scan failed (exit status $($run.ExitCode)); the task was not registered."
    }
}

# A task definition from the XML beside this script, with this installation's values.
function Get-TaskXml([string]$File, [string]$Name, [string]$Kind) {
    $xml = [xml](Get-Content -Raw -Path (Join-Path $SourceDir $File))
    $ns = New-Object Xml.XmlNamespaceManager $xml.NameTable
    $ns.AddNamespace('t', $TaskNamespace)
    $principal = $xml.SelectSingleNode('//t:Principal', $ns)
    if ($Kind -eq 'LocalService') {
        $principal.SelectSingleNode('t:UserId', $ns).InnerText = 'S-1-5-19'
        $principal.SelectSingleNode('t:LogonType', $ns).InnerText = 'ServiceAccount'
    } else {
        $principal.SelectSingleNode('t:UserId', $ns).InnerText = $Name
    }
    $exec = $xml.SelectSingleNode('//t:Exec', $ns)
    $exec.SelectSingleNode('t:WorkingDirectory', $ns).InnerText = $DataDir
    if ($File -eq 'crashsig-scan.xml') {
        $exec.SelectSingleNode('t:Command', $ns).InnerText = '"' + (Join-Path $InstallDir 'crashsig.exe') + '"'
        $exec.SelectSingleNode('t:Arguments', $ns).InnerText = Get-ScanArguments
        $xml.SelectSingleNode('//t:Repetition/t:Interval', $ns).InnerText = "PT$($IntervalMinutes)M"
        $start = (Get-Date).AddMinutes(1).ToString('yyyy-MM-ddTHH:mm:ss')
        $xml.SelectSingleNode('//t:TimeTrigger/t:StartBoundary', $ns).InnerText = $start
    } else {
        $exec.SelectSingleNode('t:Command', $ns).InnerText = '"' + (Join-Path $InstallDir 'alert.cmd') + '"'
    }
    return $xml.OuterXml
}

function Register-CrashsigTask([string]$Name, [string]$File, [string]$Account, [string]$Kind,
                               [string]$Password) {
    $definition = Get-TaskXml $File $Account $Kind
    $register = @{ TaskName = $Name; TaskPath = $TaskPath; Xml = $definition; Force = $true }
    if ($Kind -eq 'User') {
        # with a password Task Scheduler stores the credentials and grants "log on as a batch job"
        $register.User = $Account
        $register.Password = $Password
    }
    Register-ScheduledTask @register | Out-Null
    Write-Host "Registered the task $TaskPath$Name (runs as $Account)."
}

function Install-Crashsig {
    $kind = Get-AccountKind $Account
    Install-Program
    $password = Initialize-Account $Account $kind
    Add-EventLogReader $Account $kind
    Initialize-DataDir $Account $kind
    Invoke-FirstRun
    Register-CrashsigTask $ScanTask 'crashsig-scan.xml' $Account $kind $password
    if ($WithAlertTask) {
        # the alert fires on the scan task's "action completed" events (the Task Scheduler
        # history must be on), and alert.cmd writes with eventcreate, which only uses a source
        # that eventcreate itself created: both are set up once, here, as an administrator
        & wevtutil.exe set-log Microsoft-Windows-TaskScheduler/Operational /enabled:true
        & eventcreate.exe /L APPLICATION /SO crashsig /T INFORMATION /ID 100 `
            /D "crashsig installed: the crash scan runs every $IntervalMinutes minutes" | Out-Null
        Register-CrashsigTask $AlertTask 'crashsig-alert.xml' $Account $kind $password
    }
    Write-Host "Done.  Reports: $DataDir\new-incidents.jsonl (new crashes of the last run) and last-run.json."
}

function Uninstall-Crashsig {
    foreach ($name in @($ScanTask, $AlertTask)) {
        if (Get-ScheduledTask -TaskName $name -TaskPath $TaskPath -ErrorAction SilentlyContinue) {
            Unregister-ScheduledTask -TaskName $name -TaskPath $TaskPath -Confirm:$false
        }
    }
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $InstallDir
    if ($RemoveData) { Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $DataDir }
    if ($RemoveAccount -and (Get-AccountKind $Account) -eq 'User' -and -not $Account.Contains('\')) {
        Remove-LocalUser -Name $Account -ErrorAction SilentlyContinue
    }
    Write-Host 'crashsig removed.'
}

Assert-Administrator
if ($Uninstall) { Uninstall-Crashsig } else { Install-Crashsig }
