@echo off
rem alert.cmd - an example alert for crashsig-alert.xml: writes a warning (new crashes) or an
rem error (crashsig could not run) to the Application log under the source "crashsig", where
rem SCOM, Azure Monitor, Zabbix and the like can alert on it.  %1 is the crash scan's result
rem code.  install-crashsig-task.ps1 registers the source; eventcreate allows ids 1 to 1000.
rem Replace this with whatever your alerting needs (a webhook, a ticket, a mail).
if "%~1"=="1" (
    eventcreate /L APPLICATION /SO crashsig /T WARNING /ID 101 /D "crashsig found new .NET crashes on %COMPUTERNAME%: see C:\ProgramData\crashsig\new-incidents.jsonl and last-run.json" >nul
) else (
    eventcreate /L APPLICATION /SO crashsig /T ERROR /ID 102 /D "crashsig could not scan the event log on %COMPUTERNAME% (result %~1): run the task \crashsig\Crash scan by hand to see why (docs/scheduled-task.md)" >nul
)
